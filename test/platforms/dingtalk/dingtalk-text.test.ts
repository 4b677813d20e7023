/** Alert text in DingTalk markdown: every construct that would render (or act) comes out as the characters typed. */
import { dingtalkMarkdown, escapeDingTalkMarkdown } from '../../../src/platforms/dingtalk/dingtalk-text.js';

describe('DingTalk markdown escaping', () => {
  it.each([
    ['[run](dtmd://dingtalkclient/sendMessage?content=close%201)', '\\[run\\]\\(dtmd://dingtalkclient/sendMessage?content=close%201\\)'],
    ['![img](http://x/i.png)', '!\\[img\\]\\(http://x/i.png\\)'],
    ['<font color="red">x</font> & <at>', '&lt;font color="red"&gt;x&lt;/font&gt; &amp; &lt;at&gt;'],
    ['**bold** _it_ `code` ~~gone~~ a|b', '\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\~\\~gone\\~\\~ a\\|b'],
    ['# heading\n## sub\n- item\n+ item\n1. first\n  - nested', '\\# heading\n\\## sub\n\\- item\n\\+ item\n1\\. first\n  \\- nested'],
    ['> quote', '&gt; quote'],
    ['db-1 costs 5.0 #42 C:\\path', 'db-1 costs 5.0 #42 C:\\\\path'],
  ])('%j', (text, escaped) => {
    expect(escapeDingTalkMarkdown(text)).toBe(escaped);
  });

  it('caps after escaping, never inside an entity, with an ellipsis', () => {
    const capped = dingtalkMarkdown('<'.repeat(100), 22);
    expect(capped.length).toBeLessThanOrEqual(22);
    expect(capped).toMatch(/^(&lt;)+…$/);
  });
});
