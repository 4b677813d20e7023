/**
 * Feishu applies a click's answer card within its 3-second callback limit. When two answers for one incident fall
 * inside that window they may land in either order, so neither can be trusted to be the card's last state.
 */
const ANSWER_WINDOW_MS = 3000;

/** Which incidents had a card redrawn by a click's answer within the window. */
export class RecentRedraws {
  /** Oldest first: a refreshed entry is moved to the end, so expired ones are always at the front. */
  private readonly at = new Map<number, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records a redraw; true when it is the only one of the incident within the window. */
  alone(incidentId: number): boolean {
    const now = this.now();
    for (const [id, at] of this.at) {
      if (now - at < ANSWER_WINDOW_MS) break;
      this.at.delete(id);
    }
    const alone = !this.at.has(incidentId);
    this.at.delete(incidentId);
    this.at.set(incidentId, now);
    return alone;
  }
}
