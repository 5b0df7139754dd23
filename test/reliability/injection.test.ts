import { randomUUID } from "node:crypto";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContentType } from "../../sdk/src/gen/stuckai/common/v1/common_pb.js";
import { InteractionType } from "../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { UserEntity } from "../../server/persistence/entities/user.js";
import { makeTransport, type TransportName } from "../helpers/clients.js";
import { DATABASE_KINDS } from "../helpers/databases.js";
import { INJECTIONS, NUL_TEXTS } from "./helpers/hostile.js";
import { AuthService, clientAs, ContentService, startWorld, UserService, type World } from "./helpers/world.js";

/**
 * SQL and NoSQL injection payloads, prototype keys, control characters and hard Unicode in every
 * text field a client can store: each is stored and returned exactly as the field's documented
 * normalisation leaves it (trimmed; lower-cased for tags and emails), on SQLite and on Postgres, or,
 * for text with NUL (which neither database keeps), refused with `invalid_argument` naming the field.
 * Afterwards every table is still there and still holds its rows.
 */
const trim = (s: string) => s.trim();
const tag = (s: string) => s.trim().toLowerCase();
/** Payloads that survive a field's normalisation with something left (a blank one would be "required"). */
const usable = (norm: (s: string) => string, max: number) => INJECTIONS.filter((s) => norm(s).length > 0 && norm(s).length <= max);
const stats = { stored: 0, refused: 0 };

async function refusedField(call: Promise<unknown>, field: RegExp): Promise<void> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => ConnectError.from(e),
  );
  expect(err, "NUL text must be refused").toBeDefined();
  expect(Code[err!.code]).toBe("InvalidArgument");
  expect(err!.rawMessage).toMatch(field);
  stats.refused++;
}

describe.each(DATABASE_KINDS)("injection strings on %s", (kind) => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld(kind);
    stats.stored = stats.refused = 0;
  });
  afterAll(async () => {
    await world?.stop();
  });

  it("keeps display names verbatim (trimmed), on every protocol, and refuses NUL", async () => {
    const transports: TransportName[] = ["connect-json-h1", "connect-binary-h2", "grpc", "grpc-web-h1"];
    for (const [i, name] of usable(trim, 100).entries()) {
      const auth = createClient(AuthService, makeTransport(transports[i % transports.length]!, world.baseUrl));
      const res = await auth.register({ email: `inj.${randomUUID()}@example.com`, password: "inject password 1", displayName: name });
      expect(res.user?.displayName).toBe(trim(name));
      const me = await clientAs(world, UserService, { ...world.alice, accessToken: res.tokens!.accessToken }).exportUserData({});
      expect(me.account?.displayName).toBe(trim(name));
      stats.stored++;
    }
    for (const name of NUL_TEXTS) {
      await refusedField(createClient(AuthService, makeTransport("grpc", world.baseUrl)).register({ email: `nul.${randomUUID()}@example.com`, password: "inject password 1", displayName: name }), /display_name/);
    }
  });

  it("keeps emails with quotes, braces and operators verbatim (lower-cased), and signs in with them", async () => {
    const auth = createClient(AuthService, makeTransport("connect-binary-h2", world.baseUrl));
    const emails = [`o'brien+--${randomUUID()}@example.com`, `{"$gt":""}.${randomUUID()}@example.com`, `'or'1'='1.${randomUUID()}@Example.COM`, `$where;${randomUUID()}@example.com`];
    for (const email of emails) {
      const res = await auth.register({ email, password: "inject password 1", displayName: "E" });
      expect(res.user?.email).toBe(email.toLowerCase());
      expect((await auth.login({ email, password: "inject password 1" })).user?.id).toBe(res.user?.id);
      stats.stored++;
    }
    // A NUL is no part of any address: refused at sign-up, and at login the same answer as any unknown email.
    await refusedField(auth.register({ email: `a\u0000b.${randomUUID()}@example.com`, password: "inject password 1", displayName: "E" }), /email/);
    const login = await auth.login({ email: "'; DROP TABLE users; --\u0000@example.com", password: "x" }).then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(login?.code).toBe(Code.Unauthenticated);
  });

  it("keeps every profile text verbatim (trimmed; tags lower-cased), and refuses NUL per field", async () => {
    const users = clientAs(world, UserService, world.alice);
    const names = usable(trim, 200);
    const tags = usable(tag, 64);
    const res = await users.updateProfile({
      profile: { locationName: names[0], interests: tags, keywords: [...tags].reverse(), travelHistory: names.map((n) => ({ locationName: n })) },
      updateMask: { paths: ["location_name", "interests", "keywords", "travel_history"] },
    });
    const expected = {
      locationName: trim(names[0]!),
      interests: [...new Set(tags.map(tag))],
      keywords: [...new Set([...tags].reverse().map(tag))],
      travelHistory: names.map((n) => trim(n)),
    };
    for (const profile of [res.profile!, (await users.getProfile({})).profile!, (await users.exportUserData({})).profile!]) {
      expect({
        locationName: profile.locationName,
        interests: profile.interests,
        keywords: profile.keywords,
        travelHistory: profile.travelHistory.map((t) => t.locationName),
      }).toEqual(expected);
    }
    stats.stored += 1 + tags.length * 2 + names.length;
    for (const nul of NUL_TEXTS) {
      await refusedField(users.updateProfile({ profile: { locationName: nul }, updateMask: { paths: ["location_name"] } }), /location_name/);
      await refusedField(users.updateProfile({ profile: { interests: ["ok", nul] }, updateMask: { paths: ["interests"] } }), /interests\[1\]/);
      await refusedField(users.updateProfile({ profile: { travelHistory: [{ locationName: nul }] }, updateMask: { paths: ["travel_history"] } }), /travel_history\[0\]\.location_name/);
    }
    // An admin reading a profile by a hostile "id" gets not_found, not a database error.
    for (const id of ["'; DROP TABLE user_profiles; --", "{\"$ne\": null}", "\u0000"]) {
      const err = await clientAs(world, UserService, world.admin).getProfile({ userId: id }).then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      expect(err?.code).toBe(Code.NotFound);
    }
  });

  it("keeps interaction data (keys and values) and device verbatim, and refuses NUL", async () => {
    const content = clientAs(world, ContentService, world.alice);
    const data: Record<string, string> = {};
    for (const [i, s] of INJECTIONS.entries()) data[i % 2 ? s : `k${i}`] = s;
    data.nested = JSON.stringify({ $gt: "", $where: "sleep(1)" });
    // Keys that mean something to JavaScript objects: kept like any other key.
    Object.assign(data, { constructor: "c", hasOwnProperty: "h", toString: "t", valueOf: "v" });
    const devices = usable(trim, 100);
    const ids: string[] = [];
    for (const device of devices) {
      const res = await content.logInteraction({ contentItemId: world.items[1]!.id, interactionType: InteractionType.SAVE, device, data });
      ids.push(res.interactionId);
      stats.stored += 2;
    }
    const history = await clientAs(world, UserService, world.alice).listInteractionHistory({ pageSize: 500 });
    const byId = new Map(history.interactions.map((x) => [x.id, x]));
    for (const [i, id] of ids.entries()) {
      expect(byId.get(id)?.device).toBe(trim(devices[i]!));
      expect(byId.get(id)?.data).toEqual(data);
    }
    // "__proto__" as a Struct key: protobuf-es drops it while decoding (it never becomes the prototype),
    // so it is not stored, the call still succeeds, and no object anywhere is polluted.
    const proto = JSON.parse('{"__proto__": {"admin": true, "permissions": ["admin:catalog"]}, "ok": 1}') as Record<string, unknown>;
    const res = await content.logInteraction({ contentItemId: world.items[1]!.id, interactionType: InteractionType.SAVE, data: proto as never });
    const stored = (await clientAs(world, UserService, world.alice).listInteractionHistory({ pageSize: 1 })).interactions[0]!;
    expect(stored.id).toBe(res.interactionId);
    expect(stored.data).toEqual({ ok: 1 });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    for (const nul of NUL_TEXTS) {
      await refusedField(content.logInteraction({ contentItemId: world.items[1]!.id, interactionType: InteractionType.SAVE, device: nul }), /device/);
      await refusedField(content.logInteraction({ contentItemId: world.items[1]!.id, interactionType: InteractionType.SAVE, data: { note: nul } }), /data/);
      await refusedField(content.logInteraction({ contentItemId: world.items[1]!.id, interactionType: InteractionType.SAVE, data: { [nul]: "key" } }), /data/);
    }
  });

  it("keeps catalog titles, descriptions, tags and metadata verbatim for an admin import, and rejects NUL per item", async () => {
    const content = clientAs(world, ContentService, world.admin);
    const titles = usable(trim, 300);
    const tags = usable(tag, 64).slice(0, 50);
    const metadata: Record<string, string> = { ...Object.fromEntries(INJECTIONS.map((s, i) => [i % 2 ? s : `m${i}`, s])), constructor: "c", toString: "t" };
    const items = titles.map((title, i) => ({ contentType: ContentType.MOVIE, externalId: `inj-${kind}-${i}`, title, description: INJECTIONS.join(" | "), tags, metadata }));
    const res = await content.importContentItems({ items });
    expect({ inserted: res.insertedCount, rejected: res.rejectedItems }).toEqual({ inserted: items.length, rejected: [] });
    const stored = await world.app.orm.em.fork().getConnection().execute<{ id: string; external_id: string }[]>(
      "select id, external_id from content_items where external_id like ?",
      [`inj-${kind}-%`],
    );
    for (const row of stored) {
      const i = Number(row.external_id.split("-").pop());
      const item = (await content.getContentItem({ id: row.id })).item!;
      expect({ title: item.title, description: item.description, tags: item.tags, metadata: item.metadata }).toEqual({
        title: trim(titles[i]!),
        description: INJECTIONS.join(" | "),
        tags: [...new Set(tags.map(tag))],
        metadata,
      });
      stats.stored += 4;
    }
    // A bad item is reported and named, never an error of the call, never stored cut short.
    const bad = await content.importContentItems({
      items: [
        { contentType: ContentType.MOVIE, externalId: `nul-${kind}-1`, title: "a\u0000b" },
        { contentType: ContentType.MOVIE, externalId: `nul-${kind}-2`, title: "ok", tags: ["x\u0000"] },
        { contentType: ContentType.MOVIE, externalId: `nul-${kind}-3`, title: "ok", metadata: { "k\u0000": "v" } },
        { contentType: ContentType.MOVIE, externalId: "'; DROP TABLE content_items; --", title: "ok" },
      ],
    });
    expect(bad.rejectedItems.map((r) => r.reason.split(":")[0])).toEqual(["title", "tags[0]", "metadata", "external_id"]);
    stats.refused += 4;
  });

  it("still has every table and its rows afterwards", async () => {
    const em = world.app.orm.em.fork();
    expect(await em.count(UserEntity, {})).toBeGreaterThan(3);
    const conn = em.getConnection();
    for (const table of ["users", "refresh_tokens", "user_profiles", "content_items", "user_interactions", "content_recommendations"]) {
      const [row] = await conn.execute<{ n: number | string }[]>(`select count(*) as n from ${table}`);
      expect(Number(row!.n), table).toBeGreaterThan(0);
    }
    // And the server still works: a login with the very first account.
    const auth = createClient(AuthService, makeTransport("grpc", world.baseUrl));
    expect((await auth.login({ email: world.bob.email, password: world.bob.password })).user?.id).toBe(world.bob.id);
    console.log(JSON.stringify({ suite: "injection", database: kind, payloads: INJECTIONS.length + NUL_TEXTS.length, ...stats }));
  });
});
