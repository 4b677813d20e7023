import type Router from '@koa/router';
import type { SourceRegistry } from '../../ingest/source-registry.js';
import { AppError } from '../../lib/errors.js';
import { readBody } from '../../lib/read-body.js';
import type { ChannelService } from '../../services/catalog/channel.service.js';
import type { IntegrationService } from '../../services/catalog/integration.service.js';
import type { AlertIngestService } from '../../services/incidents/alert-ingest.service.js';
import { pathId } from '../json-body.js';

/** Larger than any source takes: each source answers its own size limit in its own words. */
const TEST_PAYLOAD_READ_LIMIT = 1024 * 1024;

export interface TestPayloadDeps {
  integrations: IntegrationService;
  channels: ChannelService;
  sources: SourceRegistry;
  ingest: AlertIngestService;
}

/**
 * "Send a test payload": the body exactly as the integration's endpoint takes it, read and decided by the code real
 * intake runs (the source's reader, push rules, routing, the open-alert lookup); nothing is stored or sent.
 */
export function registerIntegrationTestPayload(router: Router, { integrations, channels, sources, ingest }: TestPayloadDeps): void {
  router.post('/integrations/:id/test-payload', async (ctx) => {
    const integration = await integrations.get(pathId(ctx));
    const source = sources.resolve(integration.type);
    if (!source.readTestPayload) throw new AppError('validation', `type: integrations of type ${integration.type} take no test payload`);
    const body = await readBody(ctx.req, TEST_PAYLOAD_READ_LIMIT);
    if (!body.ok) throw new AppError('validation', body.reason === 'too_large' ? 'body: larger than 1 MiB' : 'body: request aborted');
    const reading = source.readTestPayload(integration, body.raw);
    if (!reading.ok) {
      ctx.body = { accepted: false, error: reading.error, title: null, severity: null, description: null, links: [], alertKey: null, matchedRule: null, action: 'discard', routedTo: null };
      return;
    }
    const preview = await ingest.preview(integration, reading.message);
    const channel = preview.channelId === null ? null : await channels.get(preview.channelId).catch(() => null);
    ctx.body = {
      accepted: preview.action !== 'discard',
      title: preview.title,
      severity: reading.severity,
      description: preview.description,
      links: reading.message.links ?? [],
      alertKey: preview.alertKey,
      matchedRule: preview.ruleIndex === null ? null : { index: preview.ruleIndex },
      action: preview.action,
      routedTo: channel ? { channelId: channel.id, channelName: channel.name } : null,
      ...(preview.note ? { note: preview.note } : {}),
    };
  });
}
