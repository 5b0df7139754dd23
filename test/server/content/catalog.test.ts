import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../../sdk/src/gen/google/rpc/error_details_pb.js";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { ContentType } from "../../../sdk/src/gen/stuckai/common/v1/common_pb.js";
import { ContentService, type ContentItemSchema } from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { ContentItemEntity } from "../../../server/persistence/entities/content-item.js";
import { client, TRANSPORTS, type TransportName } from "../../helpers/clients.js";
import { DATABASE_KINDS } from "../../helpers/databases.js";
import { expectRpcError } from "../../helpers/errors.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

type ItemInit = MessageInitShape<typeof ContentItemSchema>;

const ADMIN = "catalog-admin@stuckai.test";
const LISBON = { latitude: 38.7105, longitude: -9.131 };
const at = (iso: string) => timestampFromDate(new Date(iso));

describe.each(DATABASE_KINDS)("ContentService catalog on %s", (kind) => {
  let server: TestServer;
  let admin: string;
  let user: string;
  let n = 0;
  const signUp = async (email = `c${++n}@example.com`) =>
    (await client(AuthService, "grpc", server.baseUrl).register({ email, password: "passw0rd-x", displayName: "C" })).tokens!.accessToken;
  const content = (token: string, transport: TransportName = "connect-binary-h2") => client(ContentService, transport, server.baseUrl, token);
  const idOf = async (externalId: string) => (await server.app.orm.em.fork().findOneOrFail(ContentItemEntity, { externalId })).id;

  beforeAll(async () => {
    server = await startTestServer(kind, { ADMIN_EMAILS: ADMIN });
    admin = await signUp(ADMIN);
    user = await signUp();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("lets only admin:catalog import", async () => {
    const item: ItemInit = { contentType: ContentType.MOVIE, externalId: "movie-denied", title: "Denied" };
    const err = await expectRpcError(content(user).importContentItems({ items: [item] }), { code: Code.PermissionDenied, reason: "PERMISSION_DENIED" });
    expect(err.rawMessage).toContain("admin:catalog");
    await expectRpcError(client(ContentService, "grpc", server.baseUrl).importContentItems({ items: [item] }), {
      code: Code.Unauthenticated,
      reason: "UNAUTHENTICATED",
    });
    expect(await server.app.orm.em.fork().count(ContentItemEntity, { externalId: "movie-denied" })).toBe(0);
  });

  it("stores the good items of a call and names the field of every bad one", async () => {
    const res = await content(admin, "grpc").importContentItems({
      items: [
        { contentType: ContentType.PLACE, externalId: "place-good", title: "Miradouro", location: LISBON },
        { contentType: ContentType.PLACE, externalId: "place-nowhere", title: "Nowhere" },
        { contentType: ContentType.EVENT, externalId: "event-good", title: "Fado", location: LISBON, startTime: at("2030-06-01T20:00:00Z") },
        {
          contentType: ContentType.EVENT,
          externalId: "event-backwards",
          title: "Backwards",
          location: LISBON,
          startTime: at("2030-06-01T20:00:00Z"),
          endTime: at("2030-06-01T19:00:00Z"),
        },
        { contentType: 99 as ContentType, externalId: "mystery", title: "?" },
        { contentType: ContentType.MUSIC, externalId: "music-long-tag", title: "Tags", tags: ["jazz", "x".repeat(65)] },
        { contentType: ContentType.MUSIC, externalId: "music-good", title: "Busto — Amália Rodrigues" },
        { contentType: ContentType.MOVIE, externalId: "movie-good", title: "Lisbon Story" },
      ],
    });
    expect(res).toMatchObject({ insertedCount: 4, updatedCount: 0, rejectedCount: 4 });
    expect(res.rejectedItems.map(({ index, externalId, reason }) => ({ index, externalId, reason }))).toEqual([
      { index: 1, externalId: "place-nowhere", reason: "location: is required for places" },
      { index: 3, externalId: "event-backwards", reason: expect.stringMatching(/^end_time: must not be before start_time/) },
      { index: 4, externalId: "mystery", reason: expect.stringMatching(/^content_type: "#99" is not a known content type/) },
      { index: 5, externalId: "music-long-tag", reason: "tags[1]: must be at most 64 characters, got 65" },
    ]);
    const stored = await server.app.orm.em.fork().find(ContentItemEntity, { externalId: { $in: ["place-good", "event-good", "music-good", "movie-good", "place-nowhere", "mystery"] } });
    expect(stored.map((r) => r.externalId).sort()).toEqual(["event-good", "movie-good", "music-good", "place-good"]);
  });

  it("rejects text Postgres cannot store (NUL, unpaired surrogates) as the item's problem, never an internal error", async () => {
    const res = await content(admin, "connect-json-h1").importContentItems({
      items: [
        { contentType: ContentType.MOVIE, externalId: "movie-surrogate", title: "S", metadata: { note: "bad\uD800" } },
        { contentType: ContentType.MOVIE, externalId: "movie-nul", title: "N", metadata: { note: "a\u0000b" } },
        { contentType: ContentType.MOVIE, externalId: "movie-fine", title: "F", tags: ["🎬"] },
      ],
    });
    expect(res).toMatchObject({ insertedCount: 1, rejectedCount: 2 });
    expect(res.rejectedItems.map((r) => r.reason)).toEqual([
      // Connect's JSON decoding already refuses such strings in plain fields; Struct values reach the domain.
      "metadata: must be valid Unicode (it has an unpaired surrogate)",
      "metadata: must not contain NUL characters",
    ]);
  });

  it("updates on re-import by (content type, external id), keeping id, creation time and popularity", async () => {
    const item: ItemInit = { contentType: ContentType.PLACE, externalId: "place-renamed", title: "Old name", tags: ["old"], location: LISBON };
    expect(await content(admin).importContentItems({ items: [item] })).toMatchObject({ insertedCount: 1, updatedCount: 0 });
    const id = await idOf("place-renamed");
    await server.app.orm.em.fork().nativeUpdate(ContentItemEntity, { id }, { popularity: 0.75 });
    const before = (await content(user).getContentItem({ id })).item!;

    const again = await content(admin, "connect-json-h1").importContentItems({
      items: [
        { ...item, title: "New name", tags: ["new"], location: { latitude: 38.72, longitude: -9.14 } },
        // Same external id, other type: another item.
        { contentType: ContentType.MOVIE, externalId: "place-renamed", title: "A film" },
      ],
    });
    expect(again).toMatchObject({ insertedCount: 1, updatedCount: 1, rejectedCount: 0 });
    const after = (await content(user).getContentItem({ id })).item!;
    expect(after).toMatchObject({ id, title: "New name", tags: ["new"], location: { latitude: 38.72, longitude: -9.14 }, popularity: 0.75 });
    expect(after.createTime).toEqual(before.createTime);
    expect(after.updateTime!.seconds * 1000n + BigInt(after.updateTime!.nanos / 1e6)).toBeGreaterThanOrEqual(
      before.updateTime!.seconds * 1000n + BigInt(before.updateTime!.nanos / 1e6),
    );
    expect(await server.app.orm.em.fork().count(ContentItemEntity, { externalId: "place-renamed" })).toBe(2);
  });

  it("counts exactly when two admins import the same new items at once, in opposite orders", async () => {
    const items = Array.from({ length: 300 }, (_, i): ItemInit => ({ contentType: ContentType.MUSIC, externalId: `music-race-${i}`, title: `Race ${i}` }));
    const [a, b] = await Promise.all([
      content(admin, "grpc").importContentItems({ items }),
      content(admin, "connect-binary-h2").importContentItems({ items: [...items].reverse() }),
    ]);
    expect([a.rejectedCount, b.rejectedCount]).toEqual([0, 0]);
    expect(a.insertedCount + b.insertedCount).toBe(300);
    expect(a.updatedCount + b.updatedCount).toBe(300);
    expect(await server.app.orm.em.fork().count(ContentItemEntity, { externalId: { $like: "music-race-%" } })).toBe(300);
  });

  it("rejects the repeat of an item within one call", async () => {
    const item: ItemInit = { contentType: ContentType.MOVIE, externalId: "movie-twice", title: "Once" };
    const res = await content(admin).importContentItems({ items: [item, { ...item, title: "Twice" }] });
    expect(res).toMatchObject({ insertedCount: 1, rejectedCount: 1, rejectedItems: [{ index: 1, externalId: "movie-twice" }] });
    expect(res.rejectedItems[0]!.reason).toMatch(/^external_id: repeats item 0 of this call/);
  });

  it("refuses more than 1,000 items in one call, naming items", async () => {
    const items = Array.from({ length: 1001 }, (_, i): ItemInit => ({ contentType: ContentType.MOVIE, externalId: `movie-bulk-${i}`, title: "Bulk" }));
    const err = await expectRpcError(content(admin).importContentItems({ items }), { code: Code.InvalidArgument, reason: "VALIDATION_ERROR", fields: ["items"] });
    expect(err.rawMessage).toContain("at most 1000 items per call, got 1001");
    expect(await server.app.orm.em.fork().count(ContentItemEntity, { externalId: { $like: "movie-bulk-%" } })).toBe(0);
    expect(await content(admin).importContentItems({ items: items.slice(0, 1000) })).toMatchObject({ insertedCount: 1000, rejectedCount: 0 });
  });

  it.each(TRANSPORTS)("GetContentItem round-trips every field over %s", async (transport) => {
    const externalId = `event-roundtrip-${transport}`;
    const item: ItemInit = {
      contentType: ContentType.EVENT,
      externalId,
      title: "Noite de Fado 🎸",
      description: "Two fadistas, a Portuguese guitar and a late dinner.",
      tags: ["fado", "live music", "late-night"],
      metadata: { venue: "Clube de Fado", price_level: 2, sample: true, set: ["first", 2, null, { encore: false }], nested: { deeper: { n: -1.5 } } },
      location: { latitude: -33.9249, longitude: 151.2093 },
      startTime: at("2030-06-01T20:00:00.123Z"),
      endTime: at("2030-06-01T23:30:00Z"),
    };
    expect(await content(admin, transport).importContentItems({ items: [item] })).toMatchObject({ insertedCount: 1 });
    const id = await idOf(externalId);
    const { item: got } = await content(user, transport).getContentItem({ id });
    expect(got).toMatchObject({ ...item, id, popularity: 0 });
    expect(got!.createTime).toEqual(got!.updateTime);
  });

  it("answers not_found naming id for an unknown or malformed id, invalid_argument for none", async () => {
    for (const id of ["00000000-0000-4000-8000-000000000000", "not-a-uuid", "'; drop table content_items; --"]) {
      const err = await expectRpcError(content(user).getContentItem({ id }), { code: Code.NotFound, reason: "NOT_FOUND" });
      expect(err.findDetails(ErrorInfoSchema)[0]!.metadata.field).toBe("id");
      expect(err.rawMessage).toBe(`no content item with id "${id}"`);
    }
    await expectRpcError(content(user).getContentItem({ id: "" }), { code: Code.InvalidArgument, reason: "VALIDATION_ERROR", fields: ["id"] });
  });

  it("finds an item whatever the case of its id", async () => {
    await content(admin).importContentItems({ items: [{ contentType: ContentType.MUSIC, externalId: "music-case", title: "Case" }] });
    const id = await idOf("music-case");
    expect((await content(user).getContentItem({ id: id.toUpperCase() })).item?.id).toBe(id);
  });
});
