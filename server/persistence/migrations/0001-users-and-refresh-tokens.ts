import { Migration } from "@mikro-orm/migrations";
import type { Knex } from "@mikro-orm/knex";

/** Users and their refresh tokens. DDL goes through knex's schema builder so one migration serves Postgres and SQLite. */
export class Migration0001UsersAndRefreshTokens extends Migration {
  override up(): void {
    // `knex.schema` is a fresh builder per access; one builder would accumulate every statement.
    const schema = () => this.getKnex().schema;
    this.addAll(
      schema().createTable("users", (t) => {
        t.uuid("id").primary();
        t.string("email", 254).notNullable().unique();
        t.string("display_name", 100).notNullable();
        t.string("password_hash", 255).notNullable();
        t.json("permissions").notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("updated_at", { useTz: true }).notNullable();
      }),
      schema().createTable("refresh_tokens", (t) => {
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
    this.addAll(this.getKnex().schema.dropTable("refresh_tokens"), this.getKnex().schema.dropTable("users"));
  }

  protected addAll(...builders: Knex.SchemaBuilder[]): void {
    for (const b of builders) for (const q of b.toSQL()) this.addSql(q.sql);
  }
}
