import type { JobParameters, RemoveJobsOptions } from 'agenda';

/** Job data as it is stored: through JSON, so Dates become ISO strings and undefined members vanish. */
export function asStored(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && deepEqual(a[key], b[key]));
  }
  return false;
}

/**
 * The `data` filter of cancel/disable/enable/queryJobs: every field given must equal the stored one (objects are
 * matched field by field, recursively; arrays and scalars must be equal). `{ incidentId: 1 }` matches
 * `{ incidentId: 1, step: 2 }` but never `{ incidentId: 12 }`, whatever the key order.
 */
export function dataMatches(stored: unknown, pattern: unknown): boolean {
  const wanted = asStored(pattern);
  return contains(stored, wanted);
}

function contains(stored: unknown, pattern: unknown): boolean {
  if (isPlainObject(pattern)) {
    return isPlainObject(stored) && Object.entries(pattern).every(([key, value]) => key in stored && contains(stored[key], value));
  }
  return deepEqual(stored, pattern);
}

/** True when the options name at least one criterion; agenda's backends remove nothing otherwise. */
export function hasCriteria(options: RemoveJobsOptions): boolean {
  return (
    options.id !== undefined ||
    (options.ids?.length ?? 0) > 0 ||
    options.name !== undefined ||
    (options.names?.length ?? 0) > 0 ||
    (options.notNames?.length ?? 0) > 0 ||
    options.data !== undefined
  );
}

/** Every criterion of the options holds for the job (they combine with AND). */
export function matchesCriteria(job: Pick<JobParameters, '_id' | 'name' | 'data'>, options: RemoveJobsOptions): boolean {
  const id = job._id?.toString();
  if (options.id !== undefined && id !== options.id.toString()) return false;
  if (options.ids?.length && !options.ids.some((candidate) => candidate.toString() === id)) return false;
  if (options.name !== undefined && job.name !== options.name) return false;
  if (options.names?.length && !options.names.includes(job.name)) return false;
  if (options.notNames?.length && options.notNames.includes(job.name)) return false;
  if (options.data !== undefined && !dataMatches(job.data, options.data)) return false;
  return true;
}
