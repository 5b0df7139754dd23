import type { ContentItemRecord } from "../content/records.js";
import type { ListCodec, RecommendationList } from "./lists.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Item dates, which JSON carries as ISO 8601 strings. */
const DATE_FIELDS = ["startTime", "endTime", "createdAt", "updatedAt"] as const;

/**
 * Lists in the cache as UTF-8 JSON: readable with `redis-cli GET`, shared by the API and the worker
 * without either knowing the transport's message types.
 */
export const jsonListCodec: ListCodec = {
  encode(list: RecommendationList): Uint8Array {
    return encoder.encode(JSON.stringify(list));
  },

  decode(bytes: Uint8Array): RecommendationList {
    const raw = JSON.parse(decoder.decode(bytes)) as RecommendationList & { generatedAt: string; expiresAt: string };
    if (!Array.isArray(raw.entries) || typeof raw.generatedAt !== "string") throw new Error("not an encoded recommendation list");
    return {
      ...raw,
      generatedAt: new Date(raw.generatedAt),
      expiresAt: new Date(raw.expiresAt),
      entries: raw.entries.map((e) => ({ ...e, item: reviveItem(e.item) })),
    };
  },
};

function reviveItem(item: ContentItemRecord): ContentItemRecord {
  const out: Record<string, unknown> = { ...item };
  for (const field of DATE_FIELDS) {
    const value = out[field];
    if (typeof value === "string") out[field] = new Date(value);
  }
  return out as unknown as ContentItemRecord;
}
