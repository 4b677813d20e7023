import type { Integration } from '../../db/entities/integration.entity.js';
import type { SourceRegistry } from '../../ingest/source-registry.js';
import type { IntegrationInput } from '../../services/catalog/integration.service.js';

/** What the admin API shows of an integration: where its alerts go and its settings, never a secret nor its key. */
export function integrationView(integration: Integration, publicBaseUrl: string, sources: SourceRegistry) {
  const { key: _key, settings: _settings, ...rest } = integration;
  return { ...rest, ...sources.shownSettings(integration, publicBaseUrl) };
}

/** The stored integration as a (flat) create body, so a PATCH can be merged onto it and validated whole. */
export function integrationAsInput(integration: Integration): Omit<IntegrationInput, 'settings'> & Record<string, unknown> {
  const { id: _id, key: _key, createdAt: _c, updatedAt: _u, settings, ...input } = integration;
  return { ...input, ...settings };
}
