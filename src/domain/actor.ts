import type { ActorType } from './timeline.js';

/** Who did something, as the timeline records it. */
export interface Actor {
  type: ActorType;
  id: number | null;
  name: string;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null, name: 'system' };
export const ADMIN_API_ACTOR: Actor = { type: 'admin', id: null, name: 'admin API' };
