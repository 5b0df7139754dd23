import type { CatalogIndex } from "./catalog-index.js";

/** Values derived from one source (a trained model, or the index itself) for one catalog index. */
export type IndexMemo<T> = WeakMap<object, WeakMap<CatalogIndex, T>>;

/** The memo's value for (source, index), built on first use and kept while both are alive. */
export function memoFor<T>(memo: IndexMemo<T>, source: object, index: CatalogIndex, build: () => T): T {
  let byIndex = memo.get(source);
  if (!byIndex) memo.set(source, (byIndex = new WeakMap()));
  let found = byIndex.get(index);
  if (found === undefined) byIndex.set(index, (found = build()));
  return found;
}
