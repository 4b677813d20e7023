import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ResolvedAdminToken {
  token: string;
  /** True when this start generated it: the one time it is shown. */
  generated: boolean;
  file?: string;
}

/** ADMIN_TOKEN when set; otherwise the token kept in DATA_DIR, generated on the first start. */
export function resolveAdminToken(configured: string | undefined, dataDir: string): ResolvedAdminToken {
  if (configured) return { token: configured, generated: false };
  const file = join(dataDir, 'admin-token');
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= 16) return { token: stored, generated: false, file };
  } catch {
    // Not there yet: generate below.
  }
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, generated: true, file };
}
