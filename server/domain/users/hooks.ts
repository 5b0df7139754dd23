/**
 * What the rest of the system must do when a user's data changes. The user domain calls these;
 * the content issue wires them to cache invalidation and regeneration jobs. Until then they do nothing.
 */
export interface UserLifecycleHooks {
  /** The profile changed: invalidate the user's cached recommendations (all content types) and enqueue regeneration. */
  profileChanged(userId: string): Promise<void>;
  /** The account was erased: purge every cache key of the user. */
  accountDeleted(userId: string): Promise<void>;
}

export const NO_HOOKS: UserLifecycleHooks = {
  profileChanged: async () => {},
  accountDeleted: async () => {},
};
