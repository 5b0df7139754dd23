import { UUID } from "../ids.js";
import { DomainError, validationError } from "../errors.js";
import { validateItem, type CatalogItem, type CatalogItemInput } from "./catalog-item.js";
import type { ContentItemRecord } from "./records.js";

export { validateItem, type CatalogItem, type CatalogItemInput } from "./catalog-item.js";

/** Most items one import call takes: one transaction of bounded size and time. */
export const MAX_IMPORT_ITEMS = 1000;

/** The catalog store port. */
export interface CatalogStore {
  /**
   * Inserts new items and updates existing ones, matched by (content type, external id), all in one
   * transaction. Existing rows keep their id, creation time and popularity. The caller guarantees
   * that no two items share a key.
   */
  upsert(items: readonly CatalogItem[], at: Date): Promise<{ inserted: number; updated: number }>;
  findById(id: string): Promise<ContentItemRecord | undefined>;
  isEmpty(): Promise<boolean>;
}

/** An item an import did not take, with why. */
export interface Rejection {
  /** 0-based position in the call. */
  readonly index: number;
  /** As sent. */
  readonly externalId: string;
  /** Every problem, each naming its field. */
  readonly reason: string;
}

export interface ImportResult {
  readonly inserted: number;
  readonly updated: number;
  readonly rejected: readonly Rejection[];
}

/** The catalog of music, movies, events and places: validated imports and lookups. */
export class Catalog {
  constructor(private readonly deps: { store: CatalogStore; now?: () => Date }) {}

  /** Stores every valid item; a bad one is reported and never stops the others. */
  async import(items: readonly CatalogItemInput[]): Promise<ImportResult> {
    if (items.length > MAX_IMPORT_ITEMS) {
      throw validationError([
        { field: "items", description: `at most ${MAX_IMPORT_ITEMS} items per call, got ${items.length}; split the import into several calls` },
      ]);
    }
    const rejected: Rejection[] = [];
    const valid: CatalogItem[] = [];
    // The store cannot write one key twice in one statement; the first occurrence is the one kept.
    const firstIndexOf = new Map<string, number>();
    items.forEach((input, index) => {
      const externalId = input.externalId ?? "";
      const result = validateItem(input);
      if ("reason" in result) {
        rejected.push({ index, externalId, reason: result.reason });
        return;
      }
      const key = `${result.item.contentType}\u0000${result.item.externalId}`;
      const first = firstIndexOf.get(key);
      if (first !== undefined) {
        rejected.push({ index, externalId, reason: `external_id: repeats item ${first} of this call (same content_type and external_id); send each item once` });
        return;
      }
      firstIndexOf.set(key, index);
      valid.push(result.item);
    });
    const now = (this.deps.now ?? (() => new Date()))();
    const counts = valid.length > 0 ? await this.deps.store.upsert(valid, now) : { inserted: 0, updated: 0 };
    return { ...counts, rejected };
  }

  /** One item by id; an id that cannot exist (not a UUID) is as unknown as one that does not. */
  async get(id: string): Promise<ContentItemRecord> {
    if (id === "") throw validationError([{ field: "id", description: "is required" }]);
    const item = UUID.test(id) ? await this.deps.store.findById(id.toLowerCase()) : undefined;
    if (!item) throw new DomainError("not_found", "NOT_FOUND", `no content item with id "${id}"`, { metadata: { field: "id" } });
    return item;
  }

  async isEmpty(): Promise<boolean> {
    return this.deps.store.isEmpty();
  }
}
