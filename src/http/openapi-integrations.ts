import type { SourceRegistry } from '../ingest/source-registry.js';
import type { SourceType } from '../ingest/source-type.js';
import { secretFlagName } from '../ingest/source-type-info.js';

/** The integration parts of the OpenAPI document, one variant per registered type, from each type's own declaration. */

type JsonSchema = Record<string, unknown>;

const pascal = (name: string) => name.replace(/(^|[-_])(\w)/g, (_match, _sep, letter: string) => letter.toUpperCase());

const integrationTypeSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'The integration `type` value' },
    label: { type: 'string' },
    description: { type: 'string' },
    receives: {
      oneOf: [
        { type: 'object', properties: { kind: { const: 'http' }, paths: { type: 'array', items: { type: 'string' } } }, required: ['kind', 'paths'] },
        { type: 'object', properties: { kind: { const: 'poll' } }, required: ['kind'] },
      ],
    },
    address: { type: 'object', properties: { field: { type: 'string' }, description: { type: 'string' } }, description: 'The field of the integration that tells where its alerts go' },
    fields: { type: 'array', items: { $ref: '#/components/schemas/FieldInfo' }, description: 'The type’s own settings, beside the shared fields in the same body' },
  },
  required: ['name', 'label', 'description', 'receives', 'address', 'fields'],
};

export function integrationTypeSchemas(sources: SourceRegistry, inputSchemaOf: (source: SourceType, isDefaultType: boolean) => JsonSchema) {
  const infos = new Map(sources.info().map((info) => [info.name, info]));
  const components: Record<string, object> = {};
  const bodies: JsonSchema[] = [];
  for (const source of sources.list()) {
    const info = infos.get(source.name)!;
    const body = inputSchemaOf(source, source.name === sources.defaultType);
    bodies.push(body);
    const secretFlags = Object.fromEntries(
      info.fields.filter((field) => field.secret).map((field) => [secretFlagName(field.name), { type: 'boolean', description: `Whether ${field.name} is set (it is never shown)` }]),
    );
    components[`${pascal(source.name)}Integration`] = {
      allOf: [
        body,
        {
          type: 'object',
          properties: {
            id: { type: 'integer' },
            type: { const: source.name },
            [info.address.field]: { type: 'string', description: info.address.description },
            ...secretFlags,
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
          },
        },
      ],
    };
  }
  components.Integration = {
    description: 'An integration as the API shows it: the shared fields, its type’s settings (secrets as has<Name>) and where its alerts go',
    oneOf: sources.list().map((source) => ({ $ref: `#/components/schemas/${pascal(source.name)}Integration` })),
  };
  components.IntegrationType = integrationTypeSchema;
  return { createBody: { oneOf: bodies }, components };
}
