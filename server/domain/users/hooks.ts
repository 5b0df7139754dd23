/**
 * What the rest of the system must do when a user's data changes. The user domain calls these;
 * the recommendations domain implements them (cache invalidation and regeneration jobs).
 */
export interface UserLifecycleHooks {
  /** The profile changed: invalidate the user's cached recommendations (all content types) and enqueue regeneration. */
  profileChanged(userId: string): Promise<void>;
  /** The account was erased: purge every cache key of the user. */
  accountDeleted(userId: string): Promise<void>;
}
