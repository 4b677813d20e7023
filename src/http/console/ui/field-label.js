const ACRONYMS = new Set(['imap', 'smtp', 'tls', 'url', 'id', 'ip', 'http', 'https', 'api', 'ssl']);

/**
 * A readable label from a field's name, for fields the console has no words of its own for: `imapHost` → "IMAP host",
 * `chatId` → "Chat ID"; inside a sentence (`midSentence`) the first word keeps its case: "signing secret", "IMAP password".
 */
export function labelOfName(name, { midSentence = false } = {}) {
  return name
    .split(/(?=[A-Z])/)
    .map((word) => word.toLowerCase())
    .map((word, index) => (ACRONYMS.has(word) ? word.toUpperCase() : index === 0 && !midSentence ? word.charAt(0).toUpperCase() + word.slice(1) : word))
    .join(' ');
}
