import { feishuWebhookSource } from './feishu-webhook/feishu-webhook.source.js';
import { FEISHU_TYPE } from './feishu-webhook/feishu-settings.js';
import { SourceRegistry } from './source-registry.js';
import { emailSource } from './email-imap/email.source.js';

export { SourceRegistry } from './source-registry.js';
export type { SourceDeps, SourceReceiver, SourceType } from './source-type.js';
export type { SourceFieldInfo, SourceTypeInfo } from './source-type-info.js';

/** Every integration type this service knows: a new source is one folder under src/ingest/ and one line here. */
export function createSourceRegistry(): SourceRegistry {
  return new SourceRegistry([feishuWebhookSource, emailSource], FEISHU_TYPE);
}
