/**
 * Data for a benchmark run: a fresh Postgres database per run (dropped afterwards), a synthetic
 * catalog around the starter catalog's cities, users with profiles, and their interactions. Bulk
 * rows go in with `insert … select * from unnest(…)`, tens of thousands per statement, which is
 * what lets the 1M-item catalog be seeded in well under a minute; the schema itself comes from the
 * app's own migrations (openDatabase).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import pg from "pg";
import { CONTENT_KINDS, type ContentKind, type InteractionKind } from "../server/domain/content/kinds.js";
import type { ContentItemRecord } from "../server/domain/content/records.js";
import { ARCHETYPES } from "../server/domain/users/profile.js";
import { openDatabase } from "../server/persistence/orm.js";
import { starterItems } from "../worker/engine/starter-items.js";
import { cityCentres, seededRandom, syntheticCatalog, syntheticInteractions } from "../worker/engine/synthetic-catalog.js";

export const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface BenchDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** A uniquely named database with the app's schema (migrations applied), dropped by `drop()`. */
export async function createBenchDatabase(label: string): Promise<BenchDatabase> {
  const name = `stuckai_bench_${label}_${Date.now()}_${randomBytes(3).toString("hex")}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const orm = await openDatabase({ databaseUrl: url.toString(), dataDir: "/tmp" });
  await orm.close();
  return { name, url: url.toString(), drop: () => adminQuery(`drop database if exists ${name} with (force)`) };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`the benchmark needs PostgreSQL at ${POSTGRES_ADMIN_URL} (set BENCH_POSTGRES_URL): ${String(err)}`);
  }
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const STARTER_FILES: Record<ContentKind, string> = { place: "places", event: "events", music: "music", movie: "movies" };

/** Starter items per type (templates for the synthetic catalog) and the cities they cluster in. */
export function starterTemplates(now: Date): { templates: Record<ContentKind, ContentItemRecord[]>; cities: { city: string; latitude: number; longitude: number }[] } {
  const templates = Object.fromEntries(
    CONTENT_KINDS.map((kind) => [kind, starterItems(readFileSync(new URL(`../catalog/starter/${STARTER_FILES[kind]}.jsonl`, import.meta.url), "utf8"), now)]),
  ) as Record<ContentKind, ContentItemRecord[]>;
  return { templates, cities: cityCentres(templates.place) };
}

/** A catalog item as seeded: its database id and what the load generator needs of it. */
export interface SeededItem {
  readonly id: string;
  readonly contentType: ContentKind;
}

export interface SeededCatalog {
  /** Items per type, in catalog order. */
  readonly byType: Record<ContentKind, ContentItemRecord[]>;
  readonly cities: { city: string; latitude: number; longitude: number }[];
  /** Every tag of the templates, for profiles' interests. */
  readonly vocabulary: string[];
  readonly seconds: number;
}

const ITEM_BATCH = 5_000;

/**
 * Seeds `total` items, a quarter of each content type, with fresh UUIDs. Returns the records with
 * their database ids (interactions are drawn from them).
 */
export async function seedCatalog(databaseUrl: string, total: number, now: Date, seed = 1): Promise<SeededCatalog> {
  const started = performance.now();
  const { templates, cities } = starterTemplates(now);
  const perType = Math.max(1, Math.floor(total / CONTENT_KINDS.length));
  // Two connections: Postgres parses and indexes one batch while the next is being serialised here.
  const clients = [new pg.Client({ connectionString: databaseUrl }), new pg.Client({ connectionString: databaseUrl })];
  await Promise.all(clients.map((c) => c.connect()));
  const byType = {} as Record<ContentKind, ContentItemRecord[]>;
  try {
    for (const [k, kind] of CONTENT_KINDS.entries()) {
      const items = syntheticCatalog({ contentType: kind, count: perType, templates: templates[kind], cities, now, seed: seed + k }).map(
        (item, n): ContentItemRecord => ({ ...item, id: randomUUID(), externalId: `bench-${kind}-${n}` }),
      );
      let next = 0;
      await Promise.all(
        clients.map(async (client) => {
          for (let i = next; i < items.length; i = next) {
            next += ITEM_BATCH;
            await insertItems(client, items.slice(i, i + ITEM_BATCH));
          }
        }),
      );
      byType[kind] = items;
    }
    await clients[0]!.query("analyze content_items");
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
  const vocabulary = [...new Set(CONTENT_KINDS.flatMap((k) => templates[k].flatMap((t) => t.tags)))].sort();
  return { byType, cities, vocabulary, seconds: (performance.now() - started) / 1000 };
}

/** One statement per batch: the rows as one JSON document (native JSON.stringify, no per-value escaping in JS). */
async function insertItems(client: pg.Client, items: readonly ContentItemRecord[]): Promise<void> {
  const rows = items.map((i) => ({
    id: i.id,
    content_type: i.contentType,
    external_id: i.externalId,
    title: i.title.slice(0, 300),
    description: i.description,
    tags: i.tags,
    metadata: i.metadata,
    latitude: i.latitude ?? null,
    longitude: i.longitude ?? null,
    start_time: i.startTime ?? null,
    end_time: i.endTime ?? null,
    popularity: i.popularity,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
  }));
  await client.query(
    `insert into content_items (id, content_type, external_id, title, description, tags, metadata, latitude, longitude, start_time, end_time, popularity, created_at, updated_at)
     select id, content_type, external_id, title, description, tags, metadata, latitude, longitude, start_time, end_time, popularity, created_at, updated_at
     from json_to_recordset($1::json) as x(id uuid, content_type text, external_id text, title text, description text, tags jsonb, metadata jsonb,
                                          latitude float8, longitude float8, start_time timestamptz, end_time timestamptz, popularity float8,
                                          created_at timestamptz, updated_at timestamptz)`,
    [JSON.stringify(rows)],
  );
}

/** What a synthetic user's profile says; the same shape is sent over RPC or inserted directly. */
export interface BenchProfile {
  readonly latitude: number;
  readonly longitude: number;
  readonly city: string;
  readonly interests: string[];
  readonly keywords: string[];
  readonly archetypes: string[];
}

/** `count` profiles: a home near one of the cities, three interests, a keyword, one or two archetypes. */
export function syntheticProfiles(catalog: Pick<SeededCatalog, "cities" | "vocabulary">, count: number, seed = 7): BenchProfile[] {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  return Array.from({ length: count }, () => {
    const city = pick(catalog.cities);
    const interests = [...new Set([pick(catalog.vocabulary), pick(catalog.vocabulary), pick(catalog.vocabulary)])];
    const archetypes = [...new Set([pick(ARCHETYPES), ...(random() < 0.5 ? [pick(ARCHETYPES)] : [])])];
    return {
      latitude: city.latitude + (random() - 0.5) * 0.06,
      longitude: city.longitude + (random() - 0.5) * 0.06,
      city: city.city,
      interests,
      keywords: [pick(catalog.vocabulary)],
      archetypes,
    };
  });
}

/**
 * Interactions of `userIds` with the catalog: per user about `perUser`, spread over the four types
 * (syntheticInteractions per type, so each user has favourite corners of each catalog).
 */
export async function seedInteractions(
  databaseUrl: string,
  catalog: Pick<SeededCatalog, "byType">,
  userIds: readonly string[],
  perUser: number,
  now: Date,
): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let count = 0;
  try {
    for (const [k, kind] of CONTENT_KINDS.entries()) {
      const per = Math.max(1, Math.round(perUser / CONTENT_KINDS.length));
      const rows = syntheticInteractions(catalog.byType[kind], userIds.length, per, now, 100 + k);
      for (let i = 0; i < rows.length; i += 10_000) {
        const batch = rows.slice(i, i + 10_000);
        await client.query(
          `insert into user_interactions (id, user_id, content_item_id, content_type, interaction_type, device, created_at)
           select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])`,
          [
            batch.map(() => randomUUID()),
            batch.map((r) => userIds[Number(r.userId.slice(2))]!),
            batch.map((r) => r.contentItemId),
            batch.map((r) => r.contentType),
            batch.map((r) => r.interactionType satisfies InteractionKind),
            batch.map(() => "bench"),
            batch.map((r) => r.createdAt),
          ],
        );
      }
      count += rows.length;
    }
    await client.query("analyze user_interactions");
  } finally {
    await client.end();
  }
  return count;
}

/**
 * Accounts with their profiles, inserted directly (the worker benchmark needs thousands and no
 * tokens; the request-path benchmark registers its users over RPC instead). Returns the ids.
 */
export async function seedUsersDirectly(databaseUrl: string, profiles: readonly BenchProfile[], now: Date): Promise<string[]> {
  const ids = profiles.map(() => randomUUID());
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (let i = 0; i < ids.length; i += 5_000) {
      const batch = ids.slice(i, i + 5_000);
      const batchProfiles = profiles.slice(i, i + 5_000);
      await client.query(
        `insert into users (id, email, display_name, password_hash, permissions, created_at, updated_at)
         select id, 'bench-' || id || '@example.com', 'Bench', '-', '["read:content","write:interactions","read:profile","write:profile"]'::json, $2, $2
         from unnest($1::uuid[]) as id`,
        [batch, now],
      );
      await client.query(
        `insert into user_profiles (user_id, latitude, longitude, location_name, interests, keywords, archetypes, travel_history, created_at, updated_at)
         select * from unnest($1::uuid[], $2::float8[], $3::float8[], $4::text[], $5::jsonb[], $6::jsonb[], $7::jsonb[], $8::jsonb[], $9::timestamptz[], $9::timestamptz[])`,
        [
          batch,
          batchProfiles.map((p) => p.latitude),
          batchProfiles.map((p) => p.longitude),
          batchProfiles.map((p) => p.city),
          batchProfiles.map((p) => JSON.stringify(p.interests)),
          batchProfiles.map((p) => JSON.stringify(p.keywords)),
          batchProfiles.map((p) => JSON.stringify(p.archetypes)),
          batchProfiles.map(() => "[]"),
          batchProfiles.map(() => now),
        ],
      );
    }
  } finally {
    await client.end();
  }
  return ids;
}

/** How many (user, content type) pairs of `userIds` have a stored list. */
export async function storedListCount(databaseUrl: string, userIds: readonly string[]): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      "select count(*) as n from (select distinct user_id, content_type from content_recommendations where user_id = any($1::uuid[])) as lists",
      [userIds],
    );
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

/** Whether the item-similarity model has been trained and stored. */
export async function storedModels(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>("select name from model_snapshots");
    return rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

export type { InteractionKind };
