import { readFileSync } from "node:fs";
import { parseCatalogLine } from "../../server/domain/content/catalog-jsonl.js";
import { validateItem } from "../../server/domain/content/catalog-item.js";
import type { ContentKind } from "../../server/domain/content/kinds.js";
import type { ContentItemRecord } from "../../server/domain/content/records.js";

/** The starter catalog's file of each type. */
const FILES: Record<ContentKind, string> = { place: "places", event: "events", music: "music", movie: "movies" };

/** The starter catalog of one type (catalog/starter/*.jsonl) as `starterItems` gives it. */
export function starterItemsOf(kind: ContentKind, loadTime: Date): ContentItemRecord[] {
  return starterItems(readFileSync(new URL(`../../catalog/starter/${FILES[kind]}.jsonl`, import.meta.url), "utf8"), loadTime);
}

/**
 * The starter catalog as ContentItemRecords for the engine's tests and benchmark, read by the
 * server's own line parser and validator (so event times are placed relative to `loadTime` exactly
 * as an import would). The external id doubles as the id, so tests can name items.
 */
export function starterItems(jsonl: string, loadTime: Date): ContentItemRecord[] {
  return jsonl
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const parsed = parseCatalogLine(line, loadTime);
      const valid = "input" in parsed ? validateItem(parsed.input) : parsed;
      if ("reason" in valid) throw new Error(`bad starter catalog line: ${valid.reason}`);
      const { item } = valid;
      return {
        id: item.externalId,
        contentType: item.contentType,
        externalId: item.externalId,
        title: item.title,
        description: item.description,
        tags: item.tags,
        metadata: item.metadata,
        latitude: item.location?.latitude ?? null,
        longitude: item.location?.longitude ?? null,
        startTime: item.startTime ?? null,
        endTime: item.endTime ?? null,
        popularity: 0,
        createdAt: loadTime,
        updatedAt: loadTime,
      };
    });
}
