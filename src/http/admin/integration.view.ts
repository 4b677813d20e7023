import type { Integration } from '../../db/entities/integration.entity.js';
import type { SourceRegistry } from '../../ingest/source-registry.js';
import type { IntegrationInput } from '../../services/catalog/integration.service.js';
import type { ShownHealth } from '../../services/catalog/integration-health.service.js';

/** What the admin API shows of an integration: where its alerts go and its settings, never a secret nor its key. */
export function integrationView(integration: Integration, publicBaseUrl: string, sources: SourceRegistry, health: ShownHealth) {
  const { key: _key, settings: _settings, modifiedBy, ...rest } = integration;
  const shown = { ...rest, ...sources.shownSettings(integration, publicBaseUrl) };
  if (!sources.reportsHealth(integration.type)) return shown;
  return { ...shown, lastModifiedBy: modifiedBy, lastModifiedAt: integration.updatedAt, health };
}

/** The stored integration as a (flat) create body, so a PATCH can be merged onto it and validated whole. */
export function integrationAsInput(integration: Integration): Omit<IntegrationInput, 'settings'> & Record<string, unknown> {
  const { id: _id, key: _key, createdAt: _c, updatedAt: _u, modifiedBy: _m, settings, ...input } = integration;
  return { ...input, ...settings };
}
