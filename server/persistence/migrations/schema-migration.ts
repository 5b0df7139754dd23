import { Migration } from "@mikro-orm/migrations";
import type { Knex } from "@mikro-orm/knex";

/** Base of our migrations: DDL is written once with knex's schema builder and rendered for the connected dialect. */
export abstract class SchemaMigration extends Migration {
  /** A fresh builder per call: one builder would accumulate (and re-emit) every statement. */
  protected schema(): Knex.SchemaBuilder {
    return this.getKnex().schema;
  }

  /** Postgres-only objects (functions) are skipped on SQLite. */
  protected postgres(): boolean {
    return this.getKnex().client.dialect === "postgresql";
  }

  protected addAll(...builders: Knex.SchemaBuilder[]): void {
    for (const b of builders) for (const q of b.toSQL()) this.addSql(q.sql);
  }
}
