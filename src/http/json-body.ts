import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../lib/errors.js';
import { nestsDeeperThan } from '../lib/json-depth.js';
import { readBody } from '../lib/read-body.js';

const ADMIN_BODY_LIMIT = 1024 * 1024;
/** Far beyond any admin resource; stops a deep body before a recursive walk (validation, JSON columns) overflows. */
const ADMIN_BODY_MAX_DEPTH = 64;

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : 'body'}: ${issue.message}`).join('; ');
}

export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError('validation', describeIssues(parsed.error));
  return parsed.data;
}

/** Reads, parses and validates a JSON request body. */
export async function jsonBody<T extends z.ZodType>(ctx: Context, schema: T): Promise<z.output<T>> {
  const body = await readBody(ctx.req, ADMIN_BODY_LIMIT);
  if (!body.ok) throw new AppError('validation', body.reason === 'too_large' ? 'body: larger than 1 MiB' : 'body: request aborted');
  let value: unknown = {};
  if (body.raw.trim() !== '') {
    try {
      value = JSON.parse(body.raw);
    } catch {
      throw new AppError('validation', 'body: not valid JSON');
    }
    if (nestsDeeperThan(value, ADMIN_BODY_MAX_DEPTH)) throw new AppError('validation', `body: nested deeper than ${ADMIN_BODY_MAX_DEPTH} levels`);
  }
  return parseOrThrow(schema, value);
}

export const idParam = z.coerce.number().int().positive();

export function pathId(ctx: Context, name = 'id'): number {
  const parsed = idParam.safeParse(ctx.params[name]);
  if (!parsed.success) throw new AppError('validation', `${name}: must be a positive integer`);
  return parsed.data;
}
