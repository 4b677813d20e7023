import type { NotificationChannel } from 'agenda';

interface RedisChannelInternals {
  on(event: 'error', listener: (error: Error) => void): unknown;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  clearReconnect(): void;
  subscribeClient?: { disconnect(): void };
}

/**
 * Works around three faults of @agendajs/redis-backend 3.0's notification channel while Redis is unreachable: it
 * emits 'error' with nobody listening (which would end the process: now handed to `onError`); a failed reconnect
 * attempt keeps the subscriber client it made (each such client then reconnects on its own for ever, one more per
 * attempt, and all resubscribe once Redis is back); and an attempt failing during disconnect() schedules yet another
 * one after the stop. A failed attempt now closes its subscriber, and nothing reconnects once stopped.
 */
export function guardRedisNotificationChannel(channel: NotificationChannel | undefined, onError: (error: Error) => void): void {
  const target = channel as unknown as Partial<RedisChannelInternals> | undefined;
  if (!target || typeof target.connect !== 'function' || typeof target.disconnect !== 'function' || !('subscribeClient' in target)) return;
  target.on?.('error', onError);
  const connect = target.connect.bind(target);
  const disconnect = target.disconnect.bind(target);
  // Bumped by every disconnect(): an attempt that began before it must leave nothing behind.
  let generation = 0;
  target.connect = async () => {
    const began = generation;
    try {
      await connect();
    } catch (error) {
      target.subscribeClient?.disconnect();
      target.subscribeClient = undefined;
      if (began !== generation) target.clearReconnect?.();
      throw error;
    }
    if (began !== generation) await disconnect();
  };
  target.disconnect = async () => {
    generation++;
    await disconnect();
  };
}
