
import type { AlternateIds } from '../../db/entities/im-identity.entity.js';
import type { PlatformName } from '../../domain/platform-name.js';

/** The alternate ids actually given (platforms send "" for the ones the app may not read). */
export function presentIds(ids: AlternateIds | undefined): AlternateIds {
  const present: AlternateIds = {};
  if (ids?.userId) present.userId = ids.userId;
  if (ids?.unionId) present.unionId = ids.unionId;
  return present;
}

export function hasAny(ids: AlternateIds): boolean {
  return Boolean(ids.userId || ids.unionId);
}

/** `where` for rows of `platform` holding any of the ids (an OR of objects, for TypeORM find). */
export function anyOf(platform: PlatformName, ids: AlternateIds): Array<{ platform: PlatformName; userId?: string; unionId?: string }> {
  return [...(ids.userId ? [{ platform, userId: ids.userId }] : []), ...(ids.unionId ? [{ platform, unionId: ids.unionId }] : [])];
}
