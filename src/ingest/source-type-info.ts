import { z } from 'zod';
import type { SourceType } from './source-type.js';

/** One type-specific setting, as admins (and a console) see it. */
export interface SourceFieldInfo {
  name: string;
  /** JSON Schema type of the value (`string`, `integer`, `boolean`, `array` …). */
  type: string;
  nullable: boolean;
  required: boolean;
  /** Accepted but never shown: the API answers `has<Name>` instead. */
  secret: boolean;
  description: string;
  enum?: unknown[];
  default?: unknown;
}

/** What GET /integration-types answers for one type; derived from the type's own declaration. */
export interface SourceTypeInfo {
  name: string;
  label: string;
  description: string;
  receives: { kind: 'http'; paths: string[] } | { kind: 'poll' };
  /** The field of an integration's view that tells where its alerts go (`url`, `address` …). */
  address: { field: string; description: string };
  fields: SourceFieldInfo[];
}

type JsonSchema = Record<string, any>;

/** The settings schema in JSON Schema form (what the request accepts): the one description every consumer reads. */
export function settingsJsonSchema(source: SourceType): JsonSchema {
  return z.toJSONSchema(source.settings, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

export function describeSourceType(source: SourceType): SourceTypeInfo {
  const schema = settingsJsonSchema(source);
  const required = new Set<string>(schema.required ?? []);
  const fields = Object.entries<JsonSchema>(schema.properties ?? {}).map(([name, property]) => describeField(name, property, required.has(name)));
  const receiver = source.receiver;
  return {
    name: source.name,
    label: source.label,
    description: source.description,
    receives: receiver.kind === 'http' ? { kind: 'http', paths: receiver.paths } : { kind: 'poll' },
    address: { field: source.address.field, description: source.address.description },
    fields,
  };
}

function describeField(name: string, property: JsonSchema, required: boolean): SourceFieldInfo {
  const variants: JsonSchema[] = property.anyOf ?? [property];
  const nullable = variants.some((variant) => variant.type === 'null');
  const value = variants.find((variant) => variant.type !== 'null') ?? {};
  const field: SourceFieldInfo = {
    name,
    type: value.type ?? (value.enum ? typeof value.enum[0] : 'any'),
    nullable,
    required,
    secret: property.writeOnly === true,
    description: property.description ?? '',
  };
  if (value.enum) field.enum = value.enum;
  if ('default' in property && property.writeOnly !== true) field.default = property.default;
  return field;
}

/** `signingSecret` → `hasSigningSecret`: how a secret setting shows in the admin API. */
export function secretFlagName(field: string): string {
  return `has${field.charAt(0).toUpperCase()}${field.slice(1)}`;
}
