/**
 * Rendered templates (`formatted` notices) against the fake webhooks: their markup reaches the platform as written
 * (only plain notices are escaped by the kind), a template written to its kind's markup room is never cut, and a
 * Telegram message that has to be cut anyway (a page with very many mentions) loses its tags, not its acceptance.
 */
import { BOT_KIND_NAMES, type BotNotice, type BotTarget } from '../../../src/platforms/webhook-bots/bot-kind.js';
import { WebhookBotSender } from '../../../src/platforms/webhook-bots/webhook-bot-sender.js';
import { startFakeWebhookBots, type FakeBot, type FakeWebhookBots } from '../../fakes/webhook-bots.js';

const MARKUP: Record<string, string> = {
  feishu: 'plain text line',
  dingtalk: '**bold** and [Runbook](https://runbooks.example/db)',
  wecom: '**bold** and <font color="warning">warn</font>',
  telegram: '<b>bold</b> and <a href="https://runbooks.example/db">Runbook</a>',
  slack: '*bold* and <https://runbooks.example/db|Runbook>',
  zoom: 'plain text line',
};

const targetOf = (bot: FakeBot): BotTarget => ({ url: bot.url, secret: bot.secret, chatId: bot.chatId, keyword: bot.keyword });

describe('formatted notices (rendered templates) on the bot kinds', () => {
  let fake: FakeWebhookBots;
  const sender = new WebhookBotSender({ retryBaseMs: 20, retryCapMs: 200 });

  beforeAll(async () => {
    fake = await startFakeWebhookBots();
  });
  afterAll(async () => {
    await fake?.close();
  });

  it.each(BOT_KIND_NAMES)('%s: the markup arrives as written, with the link added by the kind', async (kind) => {
    const bot = fake.state.addBot(kind);
    const notice: BotNotice = { title: 'Title', lines: [MARKUP[kind]], link: { text: 'Details', url: 'https://oncall.example/incidents/1?sig=x' }, mentions: [], formatted: true };
    expect(await sender.send(kind, targetOf(bot), notice, { key: bot.id })).toMatchObject({ ok: true });
    const body = JSON.stringify(fake.state.deliveredTo(bot)[0].body);
    expect(body).toContain(JSON.stringify(MARKUP[kind]).slice(1, -1));
    expect(body).toContain('https://oncall.example/incidents/1?sig=x');
  });

  it.each(BOT_KIND_NAMES)('%s: a body filling the markup room, with a keyword and mentions, is not cut', async (kind) => {
    const markup = sender.markup(kind);
    const bot = fake.state.addBot(kind, kind === 'feishu' || kind === 'dingtalk' ? { keyword: 'oncall' } : {});
    let body = '';
    while (markup.cost(`${body}line of text\n`) + markup.cost('Title') <= markup.room) body += 'line of text\n';
    const mentions = Array.from({ length: 5 }, (_, index) => ({ name: `Person ${index}` }));
    const notice: BotNotice = { title: 'Title', lines: [body.trim()], link: { text: 'Details', url: 'https://oncall.example/incidents/1?sig=x' }, mentions, formatted: true };
    expect(await sender.send(kind, targetOf(bot), notice, { key: bot.id })).toMatchObject({ ok: true });
    expect(fake.state.deliveredTo(bot)[0].text).not.toContain('…');
  });

  it('telegram: a formatted message cut to fit loses its tags and is still accepted', async () => {
    const bot = fake.state.addBot('telegram');
    const body = `<b>${'word '.repeat(600)}</b>`;
    const mentions = Array.from({ length: 150 }, (_, index) => ({ name: `Member number ${index}` }));
    const result = await sender.send('telegram', targetOf(bot), { title: '<i>Page</i>', lines: [body], mentions, formatted: true }, { key: bot.id });
    expect(result.ok ? 'ok' : result.error.message).toBe('ok');
    const [message] = fake.state.deliveredTo(bot);
    expect(message.text).toContain('Member number 149');
    expect(message.body.text).not.toContain('<i>');
  });
});
