import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ResolvedSecret {
  value: string;
  /** True when this start generated it. */
  generated: boolean;
  file?: string;
}

/**
 * The configured value when set; otherwise the one kept in `dataDir/fileName`, generated (owner-only file) on the
 * first start. A stored value shorter than `minLength` is replaced.
 */
export function resolveStoredSecret(configured: string | undefined, dataDir: string, fileName: string, minLength: number, bytes = 24): ResolvedSecret {
  if (configured) return { value: configured, generated: false };
  const file = join(dataDir, fileName);
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= minLength) return { value: stored, generated: false, file };
  } catch {
    // Not there yet: generate below.
  }
  mkdirSync(dataDir, { recursive: true });
  const value = randomBytes(bytes).toString('base64url');
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return { value, generated: true, file };
}
