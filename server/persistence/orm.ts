import { mkdirSync } from "node:fs";
import path from "node:path";
import { MikroORM as SqliteOrm } from "@mikro-orm/better-sqlite";
import { MikroORM as PostgresOrm } from "@mikro-orm/postgresql";
import { Migrator } from "@mikro-orm/migrations";
import type { MikroORM, Options } from "@mikro-orm/core";
import type { Logger } from "pino";
import { ContentItemEntity } from "./entities/content-item.js";
import { InteractionEntity } from "./entities/interaction.js";
import { ModelSnapshotEntity } from "./entities/model-snapshot.js";
import { RecommendationEntity } from "./entities/recommendation.js";
import { RefreshTokenEntity } from "./entities/refresh-token.js";
import { UserProfileEntity } from "./entities/user-profile.js";
import { UserEntity } from "./entities/user.js";
import { migrations } from "./migrations/index.js";
import { withMigrationLock } from "./migration-lock.js";

export const entities = [
  UserEntity,
  RefreshTokenEntity,
  UserProfileEntity,
  ContentItemEntity,
  InteractionEntity,
  RecommendationEntity,
  ModelSnapshotEntity,
];

export interface DatabaseOptions {
  /** Postgres URL, or undefined for the embedded SQLite file `<dataDir>/stuckai.sqlite`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly logger?: Logger;
  /** Postgres: longest wait for a pooled connection (a stopped database or an exhausted pool then fails fast). */
  readonly acquireTimeoutMs?: number;
  /** Postgres: a query without an answer after this fails instead of holding its caller (and a connection) forever. */
  readonly queryTimeoutMs?: number;
  /** Postgres: connections in the pool at most. */
  readonly poolSize?: number;
}

/** Opens the database (Postgres or the embedded SQLite file) and applies pending migrations. */
export async function openDatabase(opts: DatabaseOptions): Promise<MikroORM> {
  const common: Options = {
    entities,
    discovery: { warnWhenNoEntities: false },
    extensions: [Migrator],
    migrations: { migrationsList: migrations, transactional: true, allOrNothing: true, snapshot: false },
    forceUtcTimezone: true,
    // MikroORM (and its migrator) would print to stdout; route it through our logger instead.
    logger: (message: string) => opts.logger?.debug({ component: "orm" }, message),
    // knex prints its own warnings (e.g. "Connection Error" when the database drops a pooled
    // connection) with console.log: route them through the JSON log too.
    driverOptions: {
      log: {
        warn: (message: unknown) => opts.logger?.warn({ component: "knex" }, String(message)),
        error: (message: unknown) => opts.logger?.error({ component: "knex" }, String(message)),
        deprecate: (method: string, alternative: string) => opts.logger?.debug({ component: "knex" }, `${method} is deprecated; use ${alternative}`),
        debug: (message: unknown) => opts.logger?.debug({ component: "knex" }, String(message)),
      },
    },
    allowGlobalContext: false,
  };
  let orm: MikroORM;
  let migrate = () => orm.getMigrator().up();
  if (opts.databaseUrl) {
    orm = await PostgresOrm.init({
      ...common,
      clientUrl: opts.databaseUrl,
      pool: { min: 0, max: opts.poolSize ?? 10, acquireTimeoutMillis: opts.acquireTimeoutMs ?? 3_000 },
      // node-postgres options, merged into the connection settings: a hung server fails calls instead of holding them.
      driverOptions: { ...common.driverOptions, connection: { query_timeout: opts.queryTimeoutMs ?? 30_000, connectionTimeoutMillis: 5_000 } },
    });
    // Several replicas may start at once: the first migrates, the others wait and find nothing to do.
    const unlocked = migrate;
    migrate = () => withMigrationLock(orm, unlocked);
  } else {
    mkdirSync(opts.dataDir, { recursive: true });
    orm = await SqliteOrm.init({ ...common, dbName: path.join(opts.dataDir, "stuckai.sqlite") });
    // WAL lets readers proceed during a write; foreign keys are off by default in SQLite.
    const conn = orm.em.getConnection();
    await conn.execute("pragma journal_mode = wal");
    await conn.execute("pragma foreign_keys = on");
  }
  const applied = await migrate();
  if (applied.length > 0) opts.logger?.info({ migrations: applied.map((m) => m.name) }, "migrations applied");
  return orm;
}
