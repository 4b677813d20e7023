import type { z } from 'zod';
import type { Integration } from '../../db/entities/integration.entity.js';
import type { SourceRegistry } from '../../ingest/source-registry.js';
import type { SourceType } from '../../ingest/source-type.js';
import { AppError } from '../../lib/errors.js';
import type { IntegrationInput, IntegrationUpdate } from '../../services/catalog/integration.service.js';
import { parseOrThrow } from '../json-body.js';
import { integrationAsInput } from './integration.view.js';
import { integrationInputSchema } from './schemas.js';

/** Integration bodies validated by the schema of their type: the shared fields plus what the type declares. */
export class IntegrationInputs {
  private readonly schemas = new Map<string, z.ZodType<IntegrationInput>>();

  /** Builds every type's schema now, so a type whose settings clash with the shared fields stops the start. */
  constructor(private readonly sources: SourceRegistry) {
    for (const source of sources.list()) this.schemas.set(source.name, integrationInputSchema(source, source.name === sources.defaultType));
  }

  /** A create body: its `type` (the default one when absent) picks the schema; an unknown type is a 400. */
  create(body: unknown): IntegrationInput {
    const type = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>).type : undefined;
    return parseOrThrow(this.schemaFor(this.sources.resolve(type)), body);
  }

  /** A PATCH merged onto the stored integration and validated whole; the type cannot change. */
  update(current: Integration, patch: Record<string, unknown>): IntegrationUpdate {
    if ('type' in patch && patch.type !== current.type) {
      this.sources.resolve(patch.type);
      throw new AppError('validation', `type: an integration keeps its type (${current.type}); create a new integration of type ${String(patch.type)} instead`);
    }
    return parseOrThrow(this.schemaFor(this.sources.resolve(current.type)), { ...integrationAsInput(current), ...patch });
  }

  private schemaFor(source: SourceType): z.ZodType<IntegrationInput> {
    return this.schemas.get(source.name)!;
  }
}
