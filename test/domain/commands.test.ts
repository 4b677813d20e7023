import { parseCommand } from '../../src/domain/commands.js';

describe('parseCommand', () => {
  it.each([
    ['', { name: 'help' }],
    ['help', { name: 'help' }],
    ['  HELP  ', { name: 'help' }],
    ['?', { name: 'help' }],
    ['list', { name: 'list' }],
    ['ls', { name: 'list' }],
    ['ack 42', { name: 'ack', incidentId: 42 }],
    ['acknowledge #7', { name: 'ack', incidentId: 7 }],
    ['close 3', { name: 'close', incidentId: 3 }],
    ['resolve 3', { name: 'close', incidentId: 3 }],
    ['escalate 12', { name: 'escalate', incidentId: 12 }],
    ['reopen 5', { name: 'reopen', incidentId: 5 }],
    ['/ack 9', { name: 'ack', incidentId: 9 }],
    ['link', { name: 'link' }],
    ['whoami', { name: 'whoami' }],
    ['bind sre', { name: 'bind', channel: 'sre' }],
    ['bind Payments Team', { name: 'bind', channel: 'Payments Team' }],
  ])('parses %j', (text, command) => {
    expect(parseCommand(text)).toEqual({ ok: true, command });
  });

  it.each([
    ['ack', 'usage: ack <incident id>'],
    ['ack abc', 'usage: ack <incident id>'],
    ['ack 0', 'usage: ack <incident id>'],
    ['close 1 2', 'usage: close <incident id>'],
    ['bind', 'usage: bind <channel name or id>'],
    ['list all', '"list" takes no arguments'],
    ['deploy prod', 'unknown command "deploy"'],
  ])('answers %j with usage', (text, error) => {
    const parsed = parseCommand(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error).toContain(error);
    expect(parsed.usage).toContain('ack <id>');
  });
});
