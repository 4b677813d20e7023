/**
 * The order in which a chat's waiting outgoing calls go out (the clients' per-chat pacers serve the lowest first): a
 * page, or an answer someone waits for, before new incident cards, and new cards before updates of cards already
 * there. In a storm of new incidents the page would otherwise wait behind every card queued for the chat.
 */
export const OutgoingPriority = {
  page: 0,
  newCard: 1,
  cardUpdate: 2,
} as const;

export type OutgoingPriority = (typeof OutgoingPriority)[keyof typeof OutgoingPriority];
