import { resolveStoredSecret } from './stored-secret.js';

export interface ResolvedAdminToken {
  token: string;
  /** True when this start generated it: the one time it is shown. */
  generated: boolean;
  file?: string;
}

/** ADMIN_TOKEN when set; otherwise the token kept in DATA_DIR, generated on the first start. */
export function resolveAdminToken(configured: string | undefined, dataDir: string): ResolvedAdminToken {
  const { value, generated, file } = resolveStoredSecret(configured, dataDir, 'admin-token', 16);
  return file ? { token: value, generated, file } : { token: value, generated };
}
