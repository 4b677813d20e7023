import type { App } from '@slack/bolt';
import type { Deduper } from '../../lib/dedupe.js';
import type { Logger } from '../../lib/logger.js';
import type { ChatBindingService } from '../../services/chat/chat-binding.service.js';
import { CARD_ACTIONS, decodeButtonValue } from '../../services/chat/button-value.js';
import type { ChatInteractionService, CommandReply } from '../../services/chat/chat-interaction.service.js';
import type { SlackIdentity } from './slack-identity.js';
import { slackText } from './slack-text.js';
import { ENVELOPE_ID_CONTEXT_KEY } from './slack-socket-mode.js';
import type { SlackPlatform } from './slack.platform.js';

export interface SlackListenerDeps {
  interactions: ChatInteractionService;
  bindings: ChatBindingService;
  platform: SlackPlatform;
  identity: SlackIdentity;
  deduper: Deduper;
  logger: Logger;
}

/** Events are acknowledged before they are handled, so one about the bot itself may wait this long for its identity. */
const IDENTITY_WAIT_MS = 15_000;
const COMMAND_FAILED = 'Something went wrong while handling that command. Please try again in a moment; if it keeps failing, tell your on-call admin.';
const CLICK_FAILED = 'Something went wrong while handling that click. Please try again in a moment; if it keeps failing, tell your on-call admin.';

const WELCOME = 'Hi! I post incident messages here. Bind this channel to an on-call channel with `/oncall bind <channel>`; `/oncall help` lists everything.';

export function registerSlackListeners(app: App, deps: SlackListenerDeps): void {
  // Slack retries events it thinks were not received (x-slack-retry-num; in Socket Mode retry_attempt, and any
  // envelope can come again): each event_id, else each envelope_id, is handled once. A repeat is still acknowledged.
  app.use(async (args) => {
    const eventId = (args.body as { event_id?: string }).event_id;
    const envelopeId = args.context[ENVELOPE_ID_CONTEXT_KEY] as string | undefined;
    const key = eventId ? `slack:${eventId}` : envelopeId ? `slack:envelope:${envelopeId}` : undefined;
    if (key && !(await deps.deduper.firstSeen(key))) {
      await (args as { ack?: () => Promise<void> }).ack?.();
      return;
    }
    await args.next();
  });

  app.command('/oncall', async ({ command, ack, respond }) => {
    await ack();
    const isDirect = command.channel_name === 'directmessage' || command.channel_id.startsWith('D');
    let reply: CommandReply;
    try {
      reply = await deps.interactions.handleCommand(
        { platform: 'slack', externalId: command.user_id },
        { chatId: command.channel_id, isDirect, chatName: command.channel_name },
        command.text ?? '',
      );
    } catch (error) {
      deps.logger.error({ err: error, command: command.text?.split(/\s+/, 1)[0] }, 'slack command failed');
      reply = { text: COMMAND_FAILED, audience: 'caller' };
    }
    // Answers are plain text; Slack reads `text` as mrkdwn, where "<id>" or "<alice@example.com>" would be markup.
    // They may hold alert titles (`list`), so they are capped as well.
    await respond({ response_type: reply.audience === 'chat' ? 'in_channel' : 'ephemeral', text: slackText(reply.text) });
  });

  for (const action of CARD_ACTIONS) {
    app.action(`oncall:${action}`, async ({ ack, body, action: pressed, respond }) => {
      await ack();
      const value = decodeButtonValue((pressed as { value?: string }).value);
      if (!value || value.action !== action) {
        await respond({ response_type: 'ephemeral', replace_original: false, text: 'This button is not one of ours, or the message is malformed.' });
        return;
      }
      const channelId = (body as { channel?: { id?: string } }).channel?.id;
      let text: string;
      try {
        const answer = await deps.interactions.handleAction({ platform: 'slack', externalId: body.user.id }, value.action, value.incidentId, channelId, undefined, value.step);
        text = answer.toast.text;
      } catch (error) {
        deps.logger.error({ err: error, action }, 'slack click failed');
        text = CLICK_FAILED;
      }
      await respond({ response_type: 'ephemeral', replace_original: false, text: slackText(text) });
    });
  }
  // The Details button opens a URL; Slack still reports the click, which only needs acknowledging.
  app.action('oncall:details', async ({ ack }) => {
    await ack();
  });

  // The bot's own user id (auth.test) tells its joins and leaves from other people's.
  const isTheBot = async (user: string) => {
    const identity = await deps.identity.within(IDENTITY_WAIT_MS);
    if (!identity) deps.logger.warn('slack event about a member left unhandled: the bot does not know its own user id yet');
    return identity !== undefined && user === identity.botUserId;
  };
  app.event('member_joined_channel', async ({ event }) => {
    if (!(await isTheBot(event.user))) return;
    await deps.platform.sendChatText(event.channel, WELCOME).catch((error: unknown) => deps.logger.warn({ err: error }, 'welcome not sent'));
  });
  // The bot left (channel_left, group_left) or was removed (member_left_channel): the channel no longer shows incidents.
  app.event('channel_left', async ({ event }) => {
    await deps.bindings.unbind('slack', event.channel);
  });
  // The same for a private channel.
  app.event('group_left', async ({ event }) => {
    await deps.bindings.unbind('slack', event.channel);
  });
  app.event('member_left_channel', async ({ event }) => {
    if (await isTheBot(event.user)) await deps.bindings.unbind('slack', event.channel);
  });
}
