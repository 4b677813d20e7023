/** What is kept of a signed-in console session, under the hash of its cookie value. */
export interface StoredAdminSession {
  csrfToken: string;
  tokenFingerprint: string;
  expiresAt: Date;
}

/** Where console sessions live: the database (embedded default) or Redis (when configured). */
export interface AdminSessionStore {
  /** Named in the 503 while it does not answer: 'Redis', 'the database'. */
  readonly name: string;
  save(idHash: string, session: StoredAdminSession): Promise<void>;
  /** The session, or undefined when unknown or expired. */
  find(idHash: string): Promise<StoredAdminSession | undefined>;
  remove(idHash: string): Promise<void>;
}
