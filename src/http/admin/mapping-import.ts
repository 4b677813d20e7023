import { z } from 'zod';
import { BOT_KIND_NAMES } from '../../domain/bot-kind-name.js';
import { AppError } from '../../lib/errors.js';

/** At most this many rows per import request. */
export const MAX_IMPORT_ROWS = 10_000;

const row = z.object({ email: z.email().max(255), userId: z.string().trim().min(1).max(128) }).strict();

export const mappingImportSchema = z
  .object({ rows: z.array(row).min(1).max(MAX_IMPORT_ROWS), replace: z.boolean().default(false) })
  .strict();

export const mappingTableInputSchema = z.object({ name: z.string().trim().min(1).max(100), kind: z.enum(BOT_KIND_NAMES) }).strict();

/**
 * `email,userId` lines (a header line naming `email` is skipped; fields may be double-quoted; blank lines ignored).
 * A bad line is refused with a 400 naming its number.
 */
export function parseMappingCsv(text: string): Array<{ email: string; userId: string }> {
  const rows: Array<{ email: string; userId: string }> = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const fields = line.split(',').map((field) => field.trim().replace(/^"(.*)"$/, '$1').replace(/""/g, '"'));
    if (index === 0 && /^e-?mail$/i.test(fields[0] ?? '')) continue;
    const parsed = row.safeParse({ email: fields[0], userId: fields[1] ?? '' });
    if (fields.length !== 2 || !parsed.success) throw new AppError('validation', `line ${index + 1}: expected "email,userId" with a valid email and a user id`);
    rows.push(parsed.data);
    if (rows.length > MAX_IMPORT_ROWS) throw new AppError('validation', `body: more than ${MAX_IMPORT_ROWS} rows`);
  }
  if (rows.length === 0) throw new AppError('validation', 'body: no rows');
  return rows;
}
