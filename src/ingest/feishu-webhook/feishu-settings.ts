import { z } from 'zod';
import type { Integration } from '../../db/entities/integration.entity.js';

/** The integration `type` of Feishu-compatible webhooks. */
export const FEISHU_TYPE = 'feishu';

/** What only a Feishu-compatible webhook integration has; the shared settings (keywords, push modes …) are elsewhere. */
export const feishuSettingsSchema = z
  .object({
    signingSecret: z
      .string()
      .min(1)
      .max(255)
      .nullable()
      .default(null)
      .meta({
        writeOnly: true,
        description: 'Feishu "signature verification" secret: when set, a message must carry a valid timestamp and sign (HmacSHA256) or it is refused with code 19021',
      }),
  })
  .strict();

export type FeishuSettings = z.output<typeof feishuSettingsSchema>;

/** Written through feishuSettingsSchema, so read without parsing again (this is on every alert's path). */
export function feishuSettings(integration: Integration): FeishuSettings {
  return integration.settings as FeishuSettings;
}
