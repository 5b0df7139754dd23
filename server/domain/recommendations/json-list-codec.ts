import type { ContentItemRecord } from "../content/records.js";
import type { ListCodec, RecommendationList } from "./lists.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Item dates, which JSON carries as ISO 8601 strings. */
const DATE_FIELDS = ["startTime", "endTime", "createdAt", "updatedAt"] as const;

/**
 * Each item's JSON, kept per record object: a worker's lists are cut from the same catalog index
 * records, so an item in many users' lists is serialised once, not once per list it is in. Records
 * are never mutated (a changed catalog builds new ones), and a record's entry goes with it.
 */
const itemJson = new WeakMap<ContentItemRecord, string>();

function jsonOfItem(item: ContentItemRecord): string {
  let json = itemJson.get(item);
  if (json === undefined) itemJson.set(item, (json = JSON.stringify(item)));
  return json;
}

/** `{...fields}` with `"name":json` added as the last member. */
function withMember(objectJson: string, name: string, json: string): string {
  return `${objectJson.slice(0, -1)}${objectJson.length > 2 ? "," : ""}"${name}":${json}}`;
}

/**
 * Lists in the cache as UTF-8 JSON: readable with `redis-cli GET`, shared by the API and the worker
 * without either knowing the transport's message types. The text is what JSON.stringify(list) gives,
 * but for members' order (each entry's item, and the entries, come last), assembled from the
 * items' memoised JSON.
 */
export const jsonListCodec: ListCodec = {
  encode(list: RecommendationList): Uint8Array {
    const { entries, ...head } = list;
    const parts = entries.map(({ item, ...rest }) => withMember(JSON.stringify(rest), "item", jsonOfItem(item)));
    return encoder.encode(withMember(JSON.stringify(head), "entries", `[${parts.join(",")}]`));
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
