import type { ContentKind } from "../../server/domain/content/kinds.js";
import type { ContentItemRecord } from "../../server/domain/content/records.js";
import { buildCatalogIndex, type CatalogIndex } from "../engine/catalog-index.js";

export interface CatalogSource {
  catalogSignature(contentType: ContentKind): Promise<{ count: number; lastUpdatedMs: number }>;
  catalog(contentType: ContentKind): Promise<ContentItemRecord[]>;
}

interface Entry {
  index: CatalogIndex;
  signature: string;
  checkedAt: number;
  reload?: Promise<void>;
}

/**
 * The engine's catalog index per content type, kept in this process. The catalog's fingerprint is
 * checked at most every `refreshMs`; a changed catalog is re-indexed in the background while the old
 * index keeps serving, so no generation job ever waits for a rebuild except the very first.
 */
export class CatalogIndexes {
  private readonly entries = new Map<ContentKind, Entry>();
  private readonly first = new Map<ContentKind, Promise<Entry>>();

  constructor(
    private readonly source: CatalogSource,
    private readonly options: { refreshMs: number; now?: () => number; onError?: (err: Error) => void },
  ) {}

  async get(contentType: ContentKind): Promise<CatalogIndex> {
    const entry = this.entries.get(contentType) ?? (await this.load(contentType));
    const now = (this.options.now ?? Date.now)();
    if (!entry.reload && now - entry.checkedAt >= this.options.refreshMs) {
      entry.checkedAt = now;
      entry.reload = this.refresh(contentType, entry)
        .catch((err: unknown) => this.options.onError?.(err instanceof Error ? err : new Error(String(err))))
        .finally(() => (entry.reload = undefined));
    }
    return entry.index;
  }

  /** The item as the loaded indexes hold it, if one does (no load, no read). */
  held(itemId: string): ContentItemRecord | undefined {
    for (const { index } of this.entries.values()) {
      const position = index.position(itemId);
      if (position !== undefined) return index.items[position];
    }
    return undefined;
  }

  /** Re-reads the catalog now if it changed (after an import, or in tests). */
  async refreshNow(contentType: ContentKind): Promise<void> {
    const entry = this.entries.get(contentType);
    if (!entry) await this.load(contentType);
    else await this.refresh(contentType, entry);
  }

  private load(contentType: ContentKind): Promise<Entry> {
    let pending = this.first.get(contentType);
    if (!pending) {
      pending = this.build(contentType).then((entry) => {
        this.entries.set(contentType, entry);
        return entry;
      });
      pending.catch(() => this.first.delete(contentType));
      this.first.set(contentType, pending);
    }
    return pending;
  }

  private async refresh(contentType: ContentKind, entry: Entry): Promise<void> {
    const signature = await this.signature(contentType);
    if (signature === entry.signature) return;
    const fresh = await this.build(contentType, signature);
    entry.index = fresh.index;
    entry.signature = fresh.signature;
  }

  private async build(contentType: ContentKind, known?: string): Promise<Entry> {
    const signature = known ?? (await this.signature(contentType));
    const items = await this.source.catalog(contentType);
    return { index: buildCatalogIndex(contentType, items), signature, checkedAt: (this.options.now ?? Date.now)() };
  }

  private async signature(contentType: ContentKind): Promise<string> {
    const s = await this.source.catalogSignature(contentType);
    return `${s.count}:${s.lastUpdatedMs}`;
  }
}
