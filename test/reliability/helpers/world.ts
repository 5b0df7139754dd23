import { readFileSync } from "node:fs";
import { createFileRegistry, fromBinary, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { pino } from "pino";
import { startApp, type App } from "../../../server/app.js";
import { loadConfig } from "../../../server/config/config.js";
import { DESCRIPTOR_SET_URL } from "../../../server/transport/documented-descriptors.js";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { ContentService, InteractionType } from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { UserService } from "../../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import type { ContentItemRow } from "../../../server/persistence/entities/content-item.js";
import type { RecommendationRow } from "../../../server/persistence/entities/recommendation.js";
import { bearer, makeTransport } from "../../helpers/clients.js";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "../../helpers/databases.js";
import { seedItems, seedRecommendations } from "../../helpers/fixtures.js";
import { testEnv } from "../../helpers/server.js";

/** Every service of ours in the generated descriptor image, so a new RPC is fuzzed and checked without a test edit. */
export function ourServices(): DescService[] {
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(DESCRIPTOR_SET_URL)));
  const services: DescService[] = [];
  for (const file of registry.files) for (const s of file.services) if (s.typeName.startsWith("stuckai.")) services.push(s);
  return services;
}

export function ourMethods(): DescMethod[] {
  return ourServices().flatMap((s) => s.methods);
}

export const procedureOf = (m: DescMethod) => `${m.parent.typeName}/${m.name}`;

/**
 * The recommendation RPCs answer `unimplemented` until the engine is wired in (README, ContentService);
 * until then that answer is allowed for them alone, and counted.
 */
export const PENDING_RPCS: ReadonlySet<string> = new Set([
  "stuckai.content.v1.ContentService/GetRecommendations",
  "stuckai.content.v1.ContentService/WatchRecommendations",
  "stuckai.content.v1.ContentService/RefreshRecommendations",
]);

export const ADMIN_EMAIL = "ops.admin@stuckai.test";
/** Nowhere in the fuzzer's corpus, so a fuzzed DeleteAccount or Login never succeeds for the actors. */
export const ACTOR_PASSWORD = "actor-Secret-9f3a";

export interface Actor {
  readonly id: string;
  readonly email: string;
  readonly password: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

export interface World {
  readonly kind: DatabaseKind;
  readonly app: App;
  readonly db: TestDatabase;
  readonly baseUrl: string;
  /** Every log line at warn and above; an `unexpected error` (level 50) is a server bug. */
  readonly logs: LogLine[];
  readonly alice: Actor;
  readonly bob: Actor;
  readonly admin: Actor;
  readonly items: ContentItemRow[];
  readonly aliceRecs: RecommendationRow[];
  readonly bobRecs: RecommendationRow[];
  /** A valid next_page_token of Alice's unfiltered history. */
  readonly alicePageToken: string;
  register(email: string, password?: string, displayName?: string): Promise<Actor>;
  stop(): Promise<void>;
}

/**
 * A real server (real sockets, a fresh SQLite or Postgres database) with two users, an admin, a
 * catalog of every content type, stored recommendations for both users and a few interactions.
 */
export async function startWorld(kind: DatabaseKind, env: Record<string, string> = {}): Promise<World> {
  const db = await createTestDatabase(kind);
  const logs: LogLine[] = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const app = await startApp(loadConfig(testEnv(db, { ADMIN_EMAILS: ADMIN_EMAIL, ...env })), logger);
  const baseUrl = `http://127.0.0.1:${app.port}`;
  const auth = createClient(AuthService, makeTransport("connect-binary-h2", baseUrl));
  let n = 0;
  const register = async (email: string, password = ACTOR_PASSWORD, displayName = "Actor"): Promise<Actor> => {
    const res = await auth.register({ email, password, displayName });
    return { id: res.user!.id, email: res.user!.email, password, accessToken: res.tokens!.accessToken, refreshToken: res.tokens!.refreshToken };
  };
  const tag = `${Date.now().toString(36)}.${++n}`;
  // Each its own password: a call with Alice's password must not work for Bob because his is the same.
  const alice = await register(`alice.${tag}@example.com`);
  const bob = await register(`bob.${tag}@example.com`, `${ACTOR_PASSWORD}-bob`);
  const admin = await register(ADMIN_EMAIL, `${ACTOR_PASSWORD}-admin`);

  const now = Date.now();
  const items = await seedItems(app.orm, [
    { contentType: "music", title: "Kind of Blue", tags: ["jazz"] },
    { contentType: "movie", title: "Amélie", tags: ["comedy"] },
    { contentType: "event", title: "Fête", latitude: 48.85, longitude: 2.35, startTime: new Date(now + 3600_000) },
    { contentType: "place", title: "Louvre", latitude: 48.86, longitude: 2.34, tags: ["museum"] },
  ]);
  const aliceRecs = await seedRecommendations(app.orm, alice.id, items);
  const bobRecs = await seedRecommendations(app.orm, bob.id, items);
  const content = createClient(ContentService, makeTransport("connect-binary-h2", baseUrl, [bearer(alice.accessToken)]));
  for (const item of items) await content.logInteraction({ contentItemId: item.id, interactionType: InteractionType.VIEW });
  const users = createClient(UserService, makeTransport("connect-binary-h2", baseUrl, [bearer(alice.accessToken)]));
  const { nextPageToken: alicePageToken } = await users.listInteractionHistory({ pageSize: 1 });

  return {
    kind,
    app,
    db,
    baseUrl,
    logs,
    alice,
    bob,
    admin,
    items,
    aliceRecs,
    bobRecs,
    alicePageToken,
    register,
    async stop() {
      await app.close();
      await db.drop();
    },
  };
}

/** A client of one of our services as `actor` (or anonymous), over Connect binary on HTTP/2. */
export function clientAs<S extends DescService>(world: World, service: S, actor?: Actor) {
  return createClient(service, makeTransport("connect-binary-h2", world.baseUrl, actor ? [bearer(actor.accessToken)] : []));
}

export { AuthService, ContentService, UserService };

/** GET a plain route (/health, /ready) and answer the status. */
export async function httpStatus(world: World, path: string): Promise<number> {
  const res = await fetch(`${world.baseUrl}${path}`);
  await res.arrayBuffer();
  return res.status;
}
