import { create, equals, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { GetRecommendationsResponseSchema, RecommendationStatus } from "../../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import type { ListEntry } from "../../../../server/domain/recommendations/lists.js";
import { toListEntry } from "../../../../server/handlers/content-convert.js";
import { binaryRequest, encodedEntries } from "../../../../server/handlers/content/encoded-entries.js";

const now = new Date("2026-11-28T12:00:00Z");
const entry = (n: number): ListEntry => ({
  id: `00000000-0000-4000-8000-00000000000${n}`,
  item: {
    id: `10000000-0000-4000-8000-00000000000${n}`,
    contentType: "place",
    externalId: `p${n}`,
    title: `Café ${n} ☕`,
    description: "by the river",
    tags: ["coffee", "quiet"],
    metadata: { opening: { mon: "8-18" }, price: 2, outdoor: true, rating: null },
    latitude: 38.71,
    longitude: -9.13,
    popularity: 0.25,
    createdAt: now,
    updatedAt: now,
  },
  relevanceScore: 0.9 - n / 100,
  rankingPosition: n,
  reasons: ["near you"],
  distanceKm: n / 10,
});

describe("encodedEntries", () => {
  const entries = [1, 2, 3].map(entry);
  const expiresAt = new Date(now.getTime() + 3_600_000);

  it("puts entries on the wire that decode to exactly the messages the plain path builds", () => {
    const plain = create(GetRecommendationsResponseSchema, { status: RecommendationStatus.READY, recommendations: entries.map((e) => toListEntry(e, expiresAt)) });
    const fast = create(GetRecommendationsResponseSchema, { status: RecommendationStatus.READY });
    fast.$unknown = encodedEntries(entries, expiresAt);
    const decoded = fromBinary(GetRecommendationsResponseSchema, toBinary(GetRecommendationsResponseSchema, fast));
    expect(decoded.$unknown).toBeUndefined();
    expect(decoded.recommendations.map((r) => r.rankingPosition)).toEqual([1, 2, 3]);
    expect(equals(GetRecommendationsResponseSchema, decoded, plain)).toBe(true);
  });

  const decode = (unknown: ReturnType<typeof encodedEntries>) =>
    fromBinary(GetRecommendationsResponseSchema, toBinary(GetRecommendationsResponseSchema, Object.assign(create(GetRecommendationsResponseSchema), { $unknown: unknown })));

  it("encodes a page once and reuses it, unless asked for another expiry or length", () => {
    const first = encodedEntries(entries, expiresAt);
    expect(first).toHaveLength(1);
    expect(encodedEntries([...entries], expiresAt)[0]!.data).toBe(first[0]!.data);
    const later = new Date(expiresAt.getTime() + 1_000);
    const again = encodedEntries(entries, later);
    expect(again[0]!.data).not.toBe(first[0]!.data);
    expect(Number(decode(again).recommendations[1]!.expireTime!.seconds) * 1000).toBe(later.getTime());
    // Same first entry, shorter page: its own bytes, not the longer page's.
    expect(decode(encodedEntries(entries.slice(0, 2), later)).recommendations.map((r) => r.rankingPosition)).toEqual([1, 2]);
    expect(decode(encodedEntries(entries, later)).recommendations.map((r) => r.rankingPosition)).toEqual([1, 2, 3]);
  });

  it("answers an empty page with no field at all", () => {
    expect(encodedEntries([], expiresAt)).toEqual([]);
    expect(decode([]).recommendations).toEqual([]);
  });
});

describe("binaryRequest", () => {
  it.each([
    ["application/grpc", true],
    ["application/grpc+proto", true],
    ["application/grpc-web+proto", true],
    ["application/grpc-web", true],
    ["application/proto", true],
    ["application/connect+proto", true],
    ["Application/Proto; charset=utf-8", true],
    ["application/json", false],
    ["application/json; charset=utf-8", false],
    ["application/grpc+json", false],
    ["application/grpc-web+json", false],
    ["application/connect+json", false],
    ["application/protobuf", false],
    [null, false],
  ])("%s → %s", (contentType, binary) => {
    expect(binaryRequest(contentType)).toBe(binary);
  });
});
