import { EntitySchema } from 'typeorm';
import { createdAtColumn, timestampColumn } from './columns.js';

/** A signed-in admin console session; `idHash` is the SHA-256 of the cookie value, never the value itself. */
export interface ConsoleSession {
  idHash: string;
  csrfToken: string;
  /** Which admin token signed it in: a changed ADMIN_TOKEN ends every session. */
  tokenFingerprint: string;
  expiresAt: Date;
  createdAt: Date;
}

export const ConsoleSessionEntity = new EntitySchema<ConsoleSession>({
  name: 'ConsoleSession',
  tableName: 'console_sessions',
  columns: {
    idHash: { type: 'varchar', length: 64, primary: true, name: 'id_hash' },
    csrfToken: { type: 'varchar', length: 64, name: 'csrf_token' },
    tokenFingerprint: { type: 'varchar', length: 64, name: 'token_fingerprint' },
    expiresAt: { ...timestampColumn, name: 'expires_at' },
    createdAt: createdAtColumn,
  },
});
