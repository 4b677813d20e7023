import { describeFields, inputJsonSchema, type FieldInfo } from '../services/registry/type-info.js';
import type { SourceType } from './source-type.js';

/** One type-specific setting, as admins (and a console) see it. */
export type SourceFieldInfo = FieldInfo;

/** What GET /integration-types answers for one type; derived from the type's own declaration. */
export interface SourceTypeInfo {
  name: string;
  label: string;
  description: string;
  receives: { kind: 'http'; paths: string[] } | { kind: 'poll' };
  /** The field of an integration's view that tells where its alerts go (`url`, `address` …). */
  address: { field: string; label: string; description: string };
  /** Whether POST /integrations/:id/test-payload reads this type's messages. */
  testPayload: boolean;
  fields: SourceFieldInfo[];
}

/** The settings schema in JSON Schema form (what the request accepts): the one description every consumer reads. */
export function settingsJsonSchema(source: SourceType): Record<string, any> {
  return inputJsonSchema(source.settings);
}

export function describeSourceType(source: SourceType): SourceTypeInfo {
  const fields = describeFields(source.settings);
  const receiver = source.receiver;
  return {
    name: source.name,
    label: source.label,
    description: source.description,
    receives: receiver.kind === 'http' ? { kind: 'http', paths: receiver.paths } : { kind: 'poll' },
    address: { field: source.address.field, label: source.address.label, description: source.address.description },
    testPayload: source.readTestPayload !== undefined,
    fields,
  };
}

/** `signingSecret` → `hasSigningSecret`: how a secret setting shows in the admin API. */
export function secretFlagName(field: string): string {
  return `has${field.charAt(0).toUpperCase()}${field.slice(1)}`;
}
