/** Renewed this long before DingTalk's stated expiry (7200 s), so a call never goes out with a token about to lapse. */
const RENEW_EARLY_MS = 5 * 60_000;

/**
 * The app's access token, fetched on first use and kept until shortly before it expires. Concurrent callers share one
 * fetch; a token DingTalk refused is forgotten (only if it is still the kept one, so a fresh one is not thrown away).
 */
export class DingTalkAccessToken {
  private kept?: { token: string; renewAt: number };
  private fetching?: Promise<string>;

  constructor(private readonly fetchToken: () => Promise<{ token: string; expiresInSeconds: number }>) {}

  async get(): Promise<string> {
    if (this.kept && this.kept.renewAt > Date.now()) return this.kept.token;
    this.fetching ??= this.fetchToken()
      .then(({ token, expiresInSeconds }) => {
        this.kept = { token, renewAt: Date.now() + Math.max(0, expiresInSeconds * 1000 - RENEW_EARLY_MS) };
        return token;
      })
      .finally(() => {
        this.fetching = undefined;
      });
    return this.fetching;
  }

  forget(token: string): void {
    if (this.kept?.token === token) this.kept = undefined;
  }
}
