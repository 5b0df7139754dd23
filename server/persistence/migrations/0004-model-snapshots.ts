import { SchemaMigration } from "./schema-migration.js";

/**
 * Trained models (item-to-item similarity, matrix factorisation), one row per model name, written
 * by the job that trains it and loaded by every worker: training happens once, not per process.
 * Also an index for the analytics job, which counts one item's interactions since a date.
 */
export class Migration0004ModelSnapshots extends SchemaMigration {
  override up(): void {
    this.addAll(
      this.schema().createTable("model_snapshots", (t) => {
        t.string("name", 64).primary();
        t.binary("data").notNullable();
        t.timestamp("trained_at", { useTz: true }).notNullable();
      }),
      this.schema().alterTable("user_interactions", (t) => {
        t.index(["content_item_id", "created_at"], "user_interactions_item_time_index");
      }),
    );
  }

  override down(): void {
    this.addAll(
      this.schema().alterTable("user_interactions", (t) => {
        t.dropIndex([], "user_interactions_item_time_index");
      }),
      this.schema().dropTable("model_snapshots"),
    );
  }
}
