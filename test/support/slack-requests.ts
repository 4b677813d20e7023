import { createHmac, randomBytes } from 'node:crypto';
import type { FakeSlack, FakeSlackChannel, FakeSlackMessage, FakeSlackUser } from '../fakes/slack-web-api.js';

/**
 * Requests exactly as Slack sends them to an app's request URL: slash commands and interactivity as
 * `application/x-www-form-urlencoded` (interactive payloads as the single field `payload=<JSON>`), Events API
 * callbacks as JSON; every one signed with `x-slack-signature: v0=hex(HMAC-SHA256(signingSecret, "v0:" + ts + ":" +
 * rawBody))` and `x-slack-request-timestamp` (seconds). Retries carry `x-slack-retry-num` / `x-slack-retry-reason`.
 */

export const SLACK_EVENTS_PATH = '/slack/events';
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const digits = (count: number) => Array.from(randomBytes(count), (byte) => String(byte % 10)).join('');

export interface SlackRequest {
  body: string;
  headers: Record<string, string>;
}

export interface SignOptions {
  /** Seconds since epoch; default now. */
  timestamp?: number;
  retryNum?: number;
  retryReason?: string;
}

export function slackSignature(signingSecret: string, timestamp: number | string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** Signs `body` (sent with `contentType`) the way Slack does. */
export function signedRequest(signingSecret: string, body: string, contentType: string, options: SignOptions = {}): SlackRequest {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': contentType,
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(signingSecret, timestamp, body),
  };
  if (options.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(options.retryNum);
    headers['x-slack-retry-reason'] = options.retryReason ?? 'http_timeout';
  }
  return { body, headers };
}

/** A form body, fields in the given order (Slack encodes spaces as '+'). */
export function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

/** The workspace facts every request carries. */
export interface SlackWorkspace {
  teamId: string;
  teamDomain: string;
  apiAppId: string;
  /** The deprecated verification token Slack still puts in bodies. */
  verificationToken: string;
}

export function workspaceOf(fake: FakeSlack): SlackWorkspace {
  return { teamId: fake.state.team.id, teamDomain: fake.state.team.domain, apiAppId: fake.state.bot.appId, verificationToken: `vt${hex(10)}` };
}

const triggerId = () => `${digits(13)}.${digits(12)}.${hex(16)}`;

export interface SlashCommandInput {
  command?: string;
  text: string;
  user: FakeSlackUser;
  channel: Pick<FakeSlackChannel, 'id' | 'name' | 'isIm'>;
  responseUrl: string;
}

/** The form body of a slash command (fields in Slack's order). */
export function slashCommandBody(workspace: SlackWorkspace, input: SlashCommandInput): string {
  return formBody({
    token: workspace.verificationToken,
    team_id: workspace.teamId,
    team_domain: workspace.teamDomain,
    channel_id: input.channel.id,
    channel_name: input.channel.isIm ? 'directmessage' : input.channel.name,
    user_id: input.user.id,
    user_name: input.user.name,
    command: input.command ?? '/oncall',
    text: input.text,
    api_app_id: workspace.apiAppId,
    is_enterprise_install: 'false',
    response_url: input.responseUrl,
    trigger_id: triggerId(),
  });
}

export interface FoundButton {
  element: Record<string, any>;
  blockId: string;
  /** Index of the attachment holding the button (Block Kit inside a legacy attachment), if any. */
  attachmentIndex?: number;
}

/** The button with `actionId` in a posted message (in `blocks` or inside `attachments[].blocks`). */
export function findButton(message: Pick<FakeSlackMessage, 'blocks' | 'attachments'>, actionId: string): FoundButton | undefined {
  const search = (blocks: unknown, attachmentIndex?: number): FoundButton | undefined => {
    if (!Array.isArray(blocks)) return undefined;
    for (const block of blocks) {
      if (block?.type !== 'actions' || !Array.isArray(block.elements)) continue;
      const element = block.elements.find((candidate: any) => candidate?.action_id === actionId);
      if (element) return { element, blockId: block.block_id, attachmentIndex };
    }
    return undefined;
  };
  const direct = search(message.blocks);
  if (direct) return direct;
  for (const [index, attachment] of (message.attachments ?? []).entries()) {
    const found = search(attachment?.blocks, index);
    if (found) return found;
  }
  return undefined;
}

export interface BlockActionInput {
  user: FakeSlackUser;
  channel: Pick<FakeSlackChannel, 'id' | 'name'>;
  /** The message as it is now in the channel; the clicked button is taken from it. */
  message: FakeSlackMessage;
  actionId: string;
  responseUrl: string;
  /** Overrides the button's value (a forged or stale button). */
  value?: string;
}

/** The `block_actions` payload of a button click on a message the app posted. */
export function blockActionsPayload(workspace: SlackWorkspace, input: BlockActionInput): Record<string, unknown> {
  const found = findButton(input.message, input.actionId);
  if (!found) throw new Error(`the message has no button with action_id ${input.actionId}`);
  const actionTs = (Date.now() / 1000).toFixed(6);
  return {
    type: 'block_actions',
    user: { id: input.user.id, username: input.user.name, name: input.user.name, team_id: workspace.teamId },
    api_app_id: workspace.apiAppId,
    token: workspace.verificationToken,
    container:
      found.attachmentIndex === undefined
        ? { type: 'message', message_ts: input.message.ts, channel_id: input.channel.id, is_ephemeral: false }
        : { type: 'message_attachment', message_ts: input.message.ts, attachment_id: found.attachmentIndex + 1, channel_id: input.channel.id, is_ephemeral: false, is_app_unfurl: false },
    trigger_id: triggerId(),
    team: { id: workspace.teamId, domain: workspace.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: input.channel.id, name: input.channel.name },
    message: {
      type: 'message',
      subtype: 'bot_message',
      text: input.message.text,
      ts: input.message.ts,
      bot_id: input.message.botId,
      ...(input.message.blocks ? { blocks: input.message.blocks } : {}),
      ...(input.message.attachments ? { attachments: input.message.attachments } : {}),
    },
    state: { values: {} },
    response_url: input.responseUrl,
    actions: [
      {
        action_id: input.actionId,
        block_id: found.blockId,
        text: found.element.text,
        value: input.value ?? found.element.value,
        ...(found.element.style ? { style: found.element.style } : {}),
        type: 'button',
        action_ts: actionTs,
      },
    ],
  };
}

/** An interactive payload as Slack posts it: the single form field `payload`. */
export function payloadBody(payload: unknown): string {
  return formBody({ payload: JSON.stringify(payload) });
}

export interface EventCallbackInput {
  event: Record<string, unknown>;
  botUserId: string;
  eventId?: string;
  eventTime?: number;
}

/** An Events API `event_callback` envelope (JSON). */
export function eventCallback(workspace: SlackWorkspace, input: EventCallbackInput): Record<string, unknown> & { event_id: string } {
  const eventTime = input.eventTime ?? Math.floor(Date.now() / 1000);
  return {
    token: workspace.verificationToken,
    team_id: workspace.teamId,
    context_team_id: workspace.teamId,
    api_app_id: workspace.apiAppId,
    event: { event_ts: `${eventTime}.${digits(6)}`, ...input.event },
    type: 'event_callback',
    event_id: input.eventId ?? `Ev${digits(2)}${hex(5).toUpperCase()}`,
    event_time: eventTime,
    authorizations: [{ enterprise_id: null, team_id: workspace.teamId, user_id: input.botUserId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    event_context: `4-${hex(24)}`,
  };
}

export interface SlackAnswer {
  status: number;
  text: string;
  /** Wall time from sending the request to having the whole answer. */
  elapsedMs: number;
}

/** POSTs a signed request to the app's Slack request URL. */
export async function sendToApp(serviceUrl: string, request: SlackRequest): Promise<SlackAnswer> {
  const started = performance.now();
  const response = await fetch(`${serviceUrl}${SLACK_EVENTS_PATH}`, { method: 'POST', headers: request.headers, body: request.body });
  const text = await response.text();
  return { status: response.status, text, elapsedMs: performance.now() - started };
}
