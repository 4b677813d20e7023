import { InitialSchema1764000000000 } from './1764000000000-initial-schema.js';

/** Every migration, oldest first. Listed explicitly so the ESM build needs no glob loading. */
export const allMigrations = [InitialSchema1764000000000];
