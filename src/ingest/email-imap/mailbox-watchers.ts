import type { SourceDeps } from '../source-type.js';
import { EMAIL_TYPE, emailSettings } from './email-settings.js';
import { MailboxWatcher } from './mailbox-watcher.js';

/** Other instances' edits reach this one within this time; this instance's own edits apply at once. */
const RECONCILE_MS = 5_000;

/**
 * One watcher per enabled email integration with a mailbox: started, restarted when the integration changes (its
 * `updatedAt`), stopped when it is disabled or deleted.
 */
export class MailboxWatchers {
  private readonly watchers = new Map<number, { watcher: MailboxWatcher; version: number }>();
  private timer?: NodeJS.Timeout;
  private reconciling: Promise<void> = Promise.resolve();
  private stopped = false;
  private unsubscribe?: () => void;

  async start(deps: SourceDeps): Promise<void> {
    this.stopped = false;
    this.timer = setInterval(() => this.reconcileSoon(deps), RECONCILE_MS);
    this.timer.unref();
    this.unsubscribe = deps.integrations.onChange(() => this.reconcileSoon(deps));
    this.reconcileSoon(deps);
    await this.reconciling;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.unsubscribe?.();
    await this.reconciling;
    await Promise.all([...this.watchers.values()].map(({ watcher }) => watcher.stop()));
    this.watchers.clear();
  }

  private reconcileSoon(deps: SourceDeps): void {
    this.reconciling = this.reconciling.then(() => this.reconcile(deps)).catch((error: unknown) => {
      deps.logger.error({ err: error }, 'email integrations not looked up; trying again shortly');
    });
  }

  private async reconcile(deps: SourceDeps): Promise<void> {
    if (this.stopped) return;
    const wanted = (await deps.integrations.list()).filter(
      (integration) => integration.type === EMAIL_TYPE && integration.enabled && Boolean(emailSettings(integration).imapHost),
    );
    const wantedIds = new Set(wanted.map((integration) => integration.id));
    for (const [id, { watcher }] of this.watchers) {
      if (wantedIds.has(id)) continue;
      this.watchers.delete(id);
      await watcher.stop();
    }
    for (const integration of wanted) {
      if (this.stopped) return;
      const version = integration.updatedAt.getTime();
      const running = this.watchers.get(integration.id);
      if (running?.version === version) continue;
      if (running) await running.watcher.stop();
      const watcher = new MailboxWatcher(integration, deps);
      this.watchers.set(integration.id, { watcher, version });
      watcher.start();
    }
  }
}
