import { SchemaMigration } from "./schema-migration.js";

/**
 * Lets GetAnalytics read a user's counts per (interaction type, content type), already grouped, and
 * their liked items from the index alone: a heavy user's rows lie scattered through the heap, and
 * without it every one of them would be fetched.
 */
export class Migration0003InteractionAnalyticsIndex extends SchemaMigration {
  override up(): void {
    this.addAll(
      this.schema().alterTable("user_interactions", (t) => {
        t.index(["user_id", "interaction_type", "content_type", "content_item_id"], "user_interactions_analytics_index");
      }),
    );
  }

  override down(): void {
    this.addAll(
      this.schema().alterTable("user_interactions", (t) => {
        t.dropIndex([], "user_interactions_analytics_index");
      }),
    );
  }
}
