import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, type Client } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { ContentType } from "../../../sdk/src/gen/stuckai/common/v1/common_pb.js";
import { InteractionType } from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { UserService, type ListInteractionHistoryRequest } from "../../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import { INTERACTION_KINDS, type ContentKind, type InteractionKind } from "../../../server/domain/content/kinds.js";
import type { ContentItemRow } from "../../../server/persistence/entities/content-item.js";
import type { InteractionRow } from "../../../server/persistence/entities/interaction.js";
import { client, type TransportName } from "../../helpers/clients.js";
import { DATABASE_KINDS } from "../../helpers/databases.js";
import { expectRpcError } from "../../helpers/errors.js";
import { seedInteractions, seedItems } from "../../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

type Users = Client<typeof UserService>;
type Query = Partial<Pick<ListInteractionHistoryRequest, "pageSize" | "contentType" | "interactionType">>;

/** Newest first, ties by id descending: the order the API promises. */
const newestFirst = (rows: InteractionRow[]) =>
  [...rows].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));

/** Follows next_page_token to the end; returns the ids in the order served and the size of each page. */
async function walk(users: Users, q: Query) {
  const ids: string[] = [];
  const sizes: number[] = [];
  let pageToken = "";
  do {
    const page = await users.listInteractionHistory({ ...q, pageToken });
    ids.push(...page.interactions.map((i) => i.id));
    sizes.push(page.interactions.length);
    pageToken = page.nextPageToken;
    expect(sizes.length, "pages").toBeLessThan(1_000);
  } while (pageToken);
  return { ids, sizes };
}

/** n pages of `size` and a last one of `rest` (a full last page still ends with an empty token). */
const pages = (total: number, size: number) => [
  ...Array<number>(Math.ceil(total / size) - 1).fill(size),
  total % size || size,
];

const CONTENT_ENUM: Record<ContentKind, ContentType> = {
  music: ContentType.MUSIC,
  movie: ContentType.MOVIE,
  event: ContentType.EVENT,
  place: ContentType.PLACE,
};

describe.each(DATABASE_KINDS)("UserService history and analytics on %s", (kind) => {
  let server: TestServer;
  let n = 0;
  const signUp = async () => {
    const res = await client(AuthService, "grpc", server.baseUrl).register({
      email: `h${++n}@example.com`,
      password: "passw0rd-x",
      displayName: "H",
    });
    return { id: res.user!.id, token: res.tokens!.accessToken };
  };
  const users = (token: string, transport: TransportName = "grpc") => client(UserService, transport, server.baseUrl, token);
  const invalid = (call: Promise<unknown>, fields: string[]) =>
    expectRpcError(call, { code: Code.InvalidArgument, reason: "VALIDATION_ERROR", fields });

  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe("ListInteractionHistory (AIP-158)", () => {
    let traveller: { id: string; token: string };
    let rows: InteractionRow[];
    let items: ContentItemRow[];
    const T0 = Date.UTC(2024, 0, 1);

    beforeAll(async () => {
      traveller = await signUp();
      items = await seedItems(
        server.app.orm,
        (["music", "movie", "event", "place"] as const).flatMap((contentType) => [{ contentType }, { contentType }]),
      );
      // 1,000 interactions, 25 per instant: pages of 37 end in the middle of a tie, so only the id tiebreak keeps them apart.
      rows = await seedInteractions(
        server.app.orm,
        traveller.id,
        Array.from({ length: 1_000 }, (_, i) => ({
          item: items[i % items.length],
          type: INTERACTION_KINDS[i % INTERACTION_KINDS.length],
          at: new Date(T0 + Math.floor(i / 25) * 60_000),
        })),
      );
    });

    it("pages through 1,000 interactions newest first, with no duplicate and no gap, in pages of 37 and of the default 50", async () => {
      const expected = newestFirst(rows).map((r) => r.id);
      const by37 = await walk(users(traveller.token, "grpc"), { pageSize: 37 });
      expect(by37.sizes).toEqual(pages(1_000, 37));
      expect(by37.ids).toEqual(expected);
      const byDefault = await walk(users(traveller.token, "connect-json-h1"), {});
      expect(byDefault.sizes).toEqual(pages(1_000, 50));
      expect(byDefault.ids).toEqual(expected);
    });

    it("orders interactions of one instant by id", async () => {
      const twin = await signUp();
      const same = await seedInteractions(
        server.app.orm,
        twin.id,
        Array.from({ length: 120 }, (_, i) => ({ item: items[i % items.length], type: "view" as const, at: new Date(T0) })),
      );
      const walked = await walk(users(twin.token, "connect-json-h1"), { pageSize: 37 });
      expect(walked.sizes).toEqual([37, 37, 37, 9]);
      expect(walked.ids).toEqual(same.map((r) => r.id).sort().reverse());
    });

    it("serves every field of an interaction", async () => {
      const { interactions } = await users(traveller.token, "connect-json-h1").listInteractionHistory({ pageSize: 1 });
      const newest = newestFirst(rows)[0];
      const item = items.find((i) => i.id === newest.contentItemId)!;
      expect(interactions[0]).toMatchObject({
        id: newest.id,
        contentItemId: item.id,
        contentType: CONTENT_ENUM[item.contentType],
        device: "test",
        recommendationId: "",
      });
      expect(timestampDate(interactions[0].createTime!).getTime()).toBe(newest.createdAt.getTime());
    });

    it.each<[string, Query, (r: InteractionRow) => boolean]>([
      ["content type", { contentType: ContentType.MOVIE }, (r) => r.contentType === "movie"],
      ["interaction type", { interactionType: InteractionType.CLICK }, (r) => r.interactionType === "click"],
      ["both", { contentType: ContentType.PLACE, interactionType: InteractionType.LIKE }, (r) => r.contentType === "place" && r.interactionType === "like"],
    ])("filters by %s, over several pages", async (_, q, match) => {
      const expected = newestFirst(rows.filter(match)).map((r) => r.id);
      const walked = await walk(users(traveller.token), { ...q, pageSize: 11 });
      expect(walked.sizes).toEqual(pages(expected.length, 11));
      expect(walked.ids).toEqual(expected);
    });

    it("reads page_size 0 as 50 and caps it at 500, and rejects a negative one", async () => {
      const me = users(traveller.token);
      for (const [pageSize, served] of [[0, 50], [500, 500], [501, 500], [1_000_000, 500]]) {
        const page = await me.listInteractionHistory({ pageSize });
        expect(page.interactions, `page_size ${pageSize}`).toHaveLength(served);
        expect(page.nextPageToken).not.toBe("");
      }
      await invalid(me.listInteractionHistory({ pageSize: -1 }), ["page_size"]);
    });

    it("rejects unknown enum numbers in the filters, with every bad field at once", async () => {
      const me = users(traveller.token, "connect-json-h1");
      await invalid(me.listInteractionHistory({ contentType: 99 as ContentType }), ["content_type"]);
      await invalid(me.listInteractionHistory({ interactionType: 42 as InteractionType }), ["interaction_type"]);
      await invalid(
        me.listInteractionHistory({ pageSize: -5, contentType: 99 as ContentType, interactionType: 42 as InteractionType }),
        ["page_size", "content_type", "interaction_type"],
      );
    });

    it("refuses a page token used by another user", async () => {
      const { nextPageToken } = await users(traveller.token).listInteractionHistory({ pageSize: 10 });
      const stranger = await signUp();
      const err = await invalid(users(stranger.token).listInteractionHistory({ pageSize: 10, pageToken: nextPageToken }), ["page_token"]);
      expect(err.rawMessage).toMatch(/different query.*start again without it/);
    });

    it("refuses a page token with changed filters, and accepts it with the same ones", async () => {
      const me = users(traveller.token, "connect-json-h1");
      const movies = { pageSize: 10, contentType: ContentType.MOVIE };
      const { nextPageToken } = await me.listInteractionHistory(movies);
      for (const changed of [
        { pageSize: 10, contentType: ContentType.MUSIC },
        { pageSize: 10 },
        { pageSize: 10, contentType: ContentType.MOVIE, interactionType: InteractionType.VIEW },
      ]) {
        const err = await invalid(me.listInteractionHistory({ ...changed, pageToken: nextPageToken }), ["page_token"]);
        expect(err.rawMessage).toMatch(/different query/);
      }
      // AIP-158 lets page_size change between pages.
      const next = await me.listInteractionHistory({ ...movies, pageSize: 20, pageToken: nextPageToken });
      expect(next.interactions).toHaveLength(20);
    });

    it("refuses a tampered or made-up page token", async () => {
      const me = users(traveller.token);
      const { nextPageToken: token } = await me.listInteractionHistory({ pageSize: 10 });
      const i = Math.floor(token.length / 2);
      const flipped = token.slice(0, i) + (token[i] === "A" ? "B" : "A") + token.slice(i + 1);
      for (const bad of [flipped, token.slice(0, -2), "not-a-token"]) {
        const err = await invalid(me.listInteractionHistory({ pageSize: 10, pageToken: bad }), ["page_token"]);
        expect(err.rawMessage).toMatch(/not a token this server issued/);
      }
    });

    it("needs an access token", async () => {
      await expectRpcError(client(UserService, "grpc", server.baseUrl).listInteractionHistory({}), {
        code: Code.Unauthenticated,
        reason: "UNAUTHENTICATED",
      });
    });
  });

  describe("GetAnalytics", () => {
    const at = (iso: string) => new Date(iso);
    // Three UTC days; the last instant of 1 March and the first of 2 March are different days.
    const FIRST = at("2024-03-01T08:00:00.000Z");
    const MIDNIGHT_MINUS = at("2024-03-01T23:59:59.999Z");
    const MIDNIGHT = at("2024-03-02T00:00:00.000Z");
    const LAST = at("2024-03-05T12:00:00.000Z");

    let ana: { id: string; token: string };

    beforeAll(async () => {
      ana = await signUp();
      const [m1, m2, m3, p1, e1, s1] = await seedItems(server.app.orm, [
        { contentType: "movie", tags: ["drama", "french"] },
        { contentType: "movie", tags: ["comedy", "french"] },
        { contentType: "movie", tags: ["drama"] },
        { contentType: "place", tags: ["museum", "art"] },
        { contentType: "event", tags: ["jazz", "art", "night"] },
        { contentType: "music", tags: ["jazz"] },
      ]);
      const x = (item: ContentItemRow, type: InteractionKind, when: Date, times = 1) =>
        Array.from({ length: times }, () => ({ item, type, at: when }));
      await seedInteractions(server.app.orm, ana.id, [
        // Movies: 6 views, 3 clicks, 3 likes (m1 twice).
        ...x(m1, "view", FIRST, 3),
        ...x(m2, "view", MIDNIGHT_MINUS, 2),
        ...x(m3, "view", MIDNIGHT),
        ...x(m1, "click", MIDNIGHT, 2),
        ...x(m2, "click", LAST),
        ...x(m1, "like", MIDNIGHT, 2),
        ...x(m3, "like", LAST),
        // Place: 4 views, 1 click, 1 like.
        ...x(p1, "view", MIDNIGHT_MINUS, 4),
        ...x(p1, "click", MIDNIGHT),
        ...x(p1, "like", MIDNIGHT),
        // Event: a click without views, a like, a save.
        ...x(e1, "click", MIDNIGHT),
        ...x(e1, "like", MIDNIGHT_MINUS),
        ...x(e1, "save", LAST),
        // Music: one dislike, whose tags do not count.
        ...x(s1, "dislike", FIRST),
      ]);
      // Another traveller's interactions with the same items never count for Ana.
      const bob = await signUp();
      await seedInteractions(server.app.orm, bob.id, [...x(m2, "like", LAST, 3), ...x(s1, "view", LAST)]);
    });

    it("counts by hand-checked figures: totals, per type, CTR, liked tags, active days, first and last activity", async () => {
      const a = await users(ana.token, "grpc").getAnalytics({});
      expect(a.totalInteractions).toBe(22n);
      expect(a.interactionCounts.map((c) => [c.interactionType, c.count])).toEqual([
        [InteractionType.VIEW, 10n],
        [InteractionType.CLICK, 5n],
        [InteractionType.LIKE, 5n],
        [InteractionType.DISLIKE, 1n],
        [InteractionType.SAVE, 1n],
      ]);
      expect(a.contentTypeStats.map((s) => [s.contentType, s.interactionCount, s.viewCount, s.clickCount, s.clickThroughRate])).toEqual([
        [ContentType.MUSIC, 1n, 0n, 0n, 0],
        [ContentType.MOVIE, 12n, 6n, 3n, 0.5],
        [ContentType.EVENT, 3n, 0n, 1n, 0],
        [ContentType.PLACE, 6n, 4n, 1n, 0.25],
      ]);
      // Liked items: m1 (twice, counted once), m3, p1, e1. Ties by tag.
      expect(a.topLikedTags.map((t) => [t.tag, t.count])).toEqual([
        ["art", 2n],
        ["drama", 2n],
        ["french", 1n],
        ["jazz", 1n],
        ["museum", 1n],
        ["night", 1n],
      ]);
      expect(a.activeDays).toBe(3);
      expect(timestampDate(a.firstActivityTime!)).toEqual(FIRST);
      expect(timestampDate(a.lastActivityTime!)).toEqual(LAST);
    });

    it("gives the same figures over Connect JSON", async () => {
      const viaGrpc = await users(ana.token, "grpc").getAnalytics({});
      const viaJson = await users(ana.token, "connect-json-h1").getAnalytics({});
      expect(viaJson).toEqual(viaGrpc);
    });

    it("keeps the ten most liked tags, most frequent first, then bytewise by tag", async () => {
      const fan = await signUp();
      const twelve = Array.from({ length: 12 }, (_, i) => `t${String(i + 1).padStart(2, "0")}`);
      const [all, some] = await seedItems(server.app.orm, [
        { contentType: "place", tags: twelve },
        { contentType: "place", tags: ["t12", "t11", "Zoo", "apple"] },
      ]);
      await seedInteractions(server.app.orm, fan.id, [
        { item: all, type: "like", at: LAST },
        { item: some, type: "like", at: LAST },
      ]);
      const { topLikedTags } = await users(fan.token, "connect-json-h1").getAnalytics({});
      expect(topLikedTags.map((t) => [t.tag, Number(t.count)])).toEqual([
        ["t11", 2],
        ["t12", 2],
        ["Zoo", 1],
        ["apple", 1],
        ["t01", 1],
        ["t02", 1],
        ["t03", 1],
        ["t04", 1],
        ["t05", 1],
        ["t06", 1],
      ]);
    });

    it("answers zeros and no times for a traveller without interactions", async () => {
      const idle = await signUp();
      const a = await users(idle.token, "connect-json-h1").getAnalytics({});
      expect(a).toMatchObject({ totalInteractions: 0n, interactionCounts: [], contentTypeStats: [], topLikedTags: [], activeDays: 0 });
      expect(a.firstActivityTime).toBeUndefined();
      expect(a.lastActivityTime).toBeUndefined();
    });
  });
});
