import type { CapabilityName } from '../ports/capabilities.js';

/**
 * One setting of a destination or source type, described once: validation, the OpenAPI document and the admin
 * console all read this description.
 */
export interface FieldInfo {
  /** The setting's name: an environment variable for app destinations, a JSON field for per-record settings. */
  name: string;
  type: 'string' | 'number' | 'boolean' | 'url' | 'enum' | 'string[]';
  required: boolean;
  /** Write-only: never returned by the API, never logged. */
  secret: boolean;
  description: string;
  /** The allowed values of an `enum`. */
  values?: readonly string[];
  default?: string | number | boolean;
}

/** What a kind of destination is and can do. */
export interface DestinationTypeInfo {
  name: string;
  label: string;
  /** How it is set up: app-wide from the environment (IM apps), or per record through the admin API (bots, mail). */
  configuredBy: 'environment' | 'admin_api';
  capabilities: readonly CapabilityName[];
  fields: readonly FieldInfo[];
}
