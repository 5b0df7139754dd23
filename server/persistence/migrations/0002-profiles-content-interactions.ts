import { SchemaMigration } from "./schema-migration.js";

/**
 * Profiles, the content catalog, interactions and stored recommendations (the seed's schema).
 * JSON columns are JSONB on Postgres and JSON on SQLite; knex's builder picks per dialect.
 */
export class Migration0002ProfilesContentInteractions extends SchemaMigration {
  override up(): void {
    this.addAll(
      this.schema().createTable("user_profiles", (t) => {
        t.uuid("user_id").primary().references("id").inTable("users").onDelete("CASCADE");
        t.double("latitude").nullable();
        t.double("longitude").nullable();
        t.string("location_name", 200).nullable();
        t.jsonb("interests").notNullable();
        t.jsonb("keywords").notNullable();
        t.jsonb("archetypes").notNullable();
        t.string("age_group", 32).nullable();
        t.string("relationship_status", 32).nullable();
        t.jsonb("travel_history").notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("updated_at", { useTz: true }).notNullable();
        t.index(["latitude", "longitude"]);
      }),
      this.schema().createTable("content_items", (t) => {
        t.uuid("id").primary();
        t.string("content_type", 16).notNullable();
        t.string("external_id", 200).notNullable();
        t.string("title", 300).notNullable();
        t.text("description").notNullable();
        t.jsonb("tags").notNullable();
        t.jsonb("metadata").notNullable();
        t.double("latitude").nullable();
        t.double("longitude").nullable();
        t.timestamp("start_time", { useTz: true }).nullable();
        t.timestamp("end_time", { useTz: true }).nullable();
        t.double("popularity").notNullable().defaultTo(0);
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("updated_at", { useTz: true }).notNullable();
        t.unique(["content_type", "external_id"]);
        t.index(["content_type"]);
        t.index(["latitude", "longitude"]);
        t.index(["start_time"]);
      }),
      this.schema().createTable("user_interactions", (t) => {
        t.uuid("id").primary();
        t.uuid("user_id").notNullable().references("id").inTable("users").onDelete("CASCADE");
        t.uuid("content_item_id").notNullable().references("id").inTable("content_items").onDelete("CASCADE");
        t.uuid("recommendation_id").nullable();
        t.string("content_type", 16).notNullable();
        t.string("interaction_type", 16).notNullable();
        t.jsonb("data").nullable();
        t.string("device", 100).nullable();
        t.double("latitude").nullable();
        t.double("longitude").nullable();
        t.string("idempotency_key", 128).nullable();
        t.timestamp("created_at", { useTz: true }).notNullable();
        // History pages walk these newest first; analytics group within one user's rows.
        t.index(["user_id", "created_at", "id"]);
        t.index(["user_id", "content_type", "created_at", "id"]);
        t.index(["user_id", "interaction_type", "created_at", "id"]);
        t.index(["content_item_id"]);
        t.unique(["user_id", "idempotency_key"]);
      }),
      this.schema().createTable("content_recommendations", (t) => {
        t.uuid("id").primary();
        t.uuid("user_id").notNullable().references("id").inTable("users").onDelete("CASCADE");
        t.uuid("content_item_id").notNullable().references("id").inTable("content_items").onDelete("CASCADE");
        t.string("content_type", 16).notNullable();
        t.double("relevance_score").notNullable();
        t.integer("ranking_position").notNullable();
        t.jsonb("reasons").notNullable();
        t.double("distance_km").nullable();
        t.string("geohash", 12).notNullable().defaultTo("");
        t.timestamp("generated_at", { useTz: true }).notNullable();
        t.timestamp("expires_at", { useTz: true }).notNullable();
        t.index(["user_id", "content_type", "geohash", "expires_at"]);
        t.index(["expires_at"]);
      }),
    );
    // Every account has a profile from registration on; give existing accounts theirs.
    this.addSql(
      "insert into user_profiles (user_id, interests, keywords, archetypes, travel_history, created_at, updated_at) " +
        "select id, '[]', '[]', '[]', '[]', created_at, created_at from users",
    );
  }

  override down(): void {
    for (const table of ["content_recommendations", "user_interactions", "content_items", "user_profiles"]) {
      this.addAll(this.schema().dropTable(table));
    }
  }
}
