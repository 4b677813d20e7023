import { z } from 'zod';
import type { CapabilityName } from '../ports/capabilities.js';

/**
 * One setting of a destination or source type, read from its zod schema: validation, the OpenAPI document and the
 * admin console all see the same description.
 */
export interface FieldInfo {
  name: string;
  /** JSON Schema type of the value (`string`, `integer`, `boolean`, `array` …). */
  type: string;
  nullable: boolean;
  required: boolean;
  /** Write-only (`.meta({ writeOnly: true })`): accepted, never shown, never logged. */
  secret: boolean;
  description: string;
  enum?: unknown[];
  default?: unknown;
}

/** What a kind of destination is and can do. */
export interface DestinationTypeInfo {
  name: string;
  label: string;
  /** How it is set up: app-wide from the environment (IM apps), or per record through the admin API (bots, mail). */
  configuredBy: 'environment' | 'admin_api';
  capabilities: readonly CapabilityName[];
  fields: FieldInfo[];
}

type JsonSchema = Record<string, any>;

/** The schema in JSON Schema form, as its input is written (what a request or an environment gives). */
export function inputJsonSchema(schema: z.ZodObject): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** Each field of an object schema, described from its JSON Schema (types, descriptions, secrets, enums, defaults). */
export function describeFields(schema: z.ZodObject): FieldInfo[] {
  const json = inputJsonSchema(schema);
  const required = new Set<string>(json.required ?? []);
  return Object.entries<JsonSchema>(json.properties ?? {}).map(([name, property]) => describeField(name, property, required.has(name)));
}

function describeField(name: string, property: JsonSchema, required: boolean): FieldInfo {
  const variants: JsonSchema[] = property.anyOf ?? [property];
  const nullable = variants.some((variant) => variant.type === 'null');
  const value = variants.find((variant) => variant.type !== 'null') ?? {};
  const field: FieldInfo = {
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
