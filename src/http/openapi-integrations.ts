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
    address: {
      type: 'object',
      properties: { field: { type: 'string' }, label: { type: 'string', description: 'A short name for it, as a label' }, description: { type: 'string' } },
      description: 'The field of the integration that tells where its alerts go',
    },
    testPayload: { type: 'boolean', description: 'Whether POST /integrations/{id}/test-payload reads this type’s messages' },
    fields: { type: 'array', items: { $ref: '#/components/schemas/FieldInfo' }, description: 'The type’s own settings, beside the shared fields in the same body' },
  },
  required: ['name', 'label', 'description', 'receives', 'address', 'testPayload', 'fields'],
};

const at = (description: string) => ({ type: ['string', 'null'], format: 'date-time', description });

/** What types that keep health (email) show besides their settings. */
const healthProperties = {
  lastModifiedBy: { type: ['string', 'null'], description: '`admin` (the admin API) or `system` (disabled automatically after repeated errors)' },
  lastModifiedAt: { type: 'string', format: 'date-time' },
  health: {
    type: 'object',
    properties: {
      lastIncomingAt: at('Last email received (made into an alert)'),
      lastOutgoingAt: at('Last email sent'),
      lastCheckAt: at('Last check of the mailbox'),
      lastSuccessfulCheckAt: at('Last check that went through'),
      lastIncomingErrorAt: at('When the last incoming error happened'),
      lastIncomingError: { type: ['string', 'null'], description: 'The last incoming error, in plain words (never a password)' },
      incomingErrors: { type: 'integer', description: 'Consecutive incoming errors; reset when an email is received or a check succeeds' },
      lastOutgoingErrorAt: at('When the last outgoing error happened'),
      lastOutgoingError: { type: ['string', 'null'] },
      outgoingErrors: { type: 'integer', description: 'Consecutive outgoing errors; reset when an email is sent' },
      disabledAutomaticallyAt: at('When the error threshold disabled the integration (cleared when an admin enables it)'),
    },
  },
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
            ...(source.reportsHealth ? healthProperties : {}),
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
