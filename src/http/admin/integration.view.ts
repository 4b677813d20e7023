import type { Integration } from '../../db/entities/integration.entity.js';
import type { IntegrationInput } from '../../services/catalog/integration.service.js';
import { FEISHU_HOOK_PATH } from '../../ingest/feishu-webhook/feishu-webhook.route.js';

/** What the admin API shows of an integration: its URL, never its signing secret. */
export function integrationView(integration: Integration, publicBaseUrl: string) {
  const { key: _key, signingSecret, ...rest } = integration;
  return {
    ...rest,
    url: `${publicBaseUrl}${FEISHU_HOOK_PATH}/${integration.key}`,
    hasSigningSecret: signingSecret !== null,
  };
}

/** The stored integration as an input, so a PATCH can be merged onto it and validated whole. */
export function integrationAsInput(integration: Integration): IntegrationInput {
  const { id: _id, key: _key, type: _type, createdAt: _c, updatedAt: _u, ...input } = integration;
  return input;
}
