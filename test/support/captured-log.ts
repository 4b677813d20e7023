import { Writable } from 'node:stream';

/** A log destination that keeps what the service logged, for tests that check a line was (or was not) written. */
export class CapturedLog extends Writable {
  text = '';

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }

  /** The JSON log lines whose `msg` matches. */
  entries(msg: RegExp): Array<Record<string, unknown>> {
    return this.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => typeof entry.msg === 'string' && msg.test(entry.msg));
  }
}
