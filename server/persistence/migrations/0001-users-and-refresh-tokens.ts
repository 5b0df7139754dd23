import { SchemaMigration } from "./schema-migration.js";

/** Users and their refresh tokens. DDL goes through knex's schema builder so one migration serves Postgres and SQLite. */
export class Migration0001UsersAndRefreshTokens extends SchemaMigration {
  override up(): void {
    this.addAll(
      this.schema().createTable("users", (t) => {
        t.uuid("id").primary();
        t.string("email", 254).notNullable().unique();
        t.string("display_name", 100).notNullable();
        t.string("password_hash", 255).notNullable();
        t.json("permissions").notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("updated_at", { useTz: true }).notNullable();
      }),
      this.schema().createTable("refresh_tokens", (t) => {
        t.uuid("id").primary();
        t.uuid("user_id").notNullable().references("id").inTable("users").onDelete("CASCADE");
        t.uuid("family_id").notNullable();
        t.string("token_hash", 64).notNullable().unique();
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("expires_at", { useTz: true }).notNullable();
        t.timestamp("revoked_at", { useTz: true }).nullable();
        t.string("revoke_reason", 16).nullable();
        t.index(["user_id"]);
        t.index(["family_id"]);
      }),
    );
  }

  override down(): void {
    this.addAll(this.schema().dropTable("refresh_tokens"), this.schema().dropTable("users"));
  }
}
