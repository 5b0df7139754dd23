import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { MAX_IMPORT_ITEMS, type Catalog, type Rejection } from "./catalog.js";
import type { CatalogItemInput } from "./catalog-item.js";
import { parseCatalogLine } from "./catalog-jsonl.js";

/**
 * catalog/starter/ of the repository. The build copies it to dist/catalog/starter/, the same
 * three levels above the compiled module, so one URL serves `npm start` and the image.
 */
export const STARTER_CATALOG_DIR = new URL("../../../catalog/starter/", import.meta.url);

/** Every item of the starter files, event times made absolute from `loadTime`; a bad line is a bug in the shipped data. */
export function readStarterCatalog(loadTime: Date, dir: URL = STARTER_CATALOG_DIR): CatalogItemInput[] {
  const folder = fileURLToPath(dir);
  const files = readdirSync(folder).filter((f) => f.endsWith(".jsonl")).sort();
  if (files.length === 0) throw new Error(`no starter catalog files (*.jsonl) in ${folder}`);
  return files.flatMap((file) =>
    readFileSync(path.join(folder, file), "utf8")
      .split("\n")
      .flatMap((line, i) => {
        if (line.trim() === "") return [];
        const parsed = parseCatalogLine(line, loadTime);
        if ("reason" in parsed) throw new Error(`${file}:${i + 1}: ${parsed.reason}`);
        return [parsed.input];
      }),
  );
}

export interface StarterLoad {
  readonly items: number;
  readonly inserted: number;
  readonly updated: number;
  readonly rejected: readonly Rejection[];
}

/**
 * Loads the starter catalog into an empty catalog; a catalog with any item is left alone (undefined),
 * so restarts never duplicate or overwrite it. Imported in batches, like any other import.
 */
export async function loadStarterCatalog(catalog: Catalog, loadTime = new Date(), dir: URL = STARTER_CATALOG_DIR): Promise<StarterLoad | undefined> {
  if (!(await catalog.isEmpty())) return undefined;
  const items = readStarterCatalog(loadTime, dir);
  let inserted = 0;
  let updated = 0;
  const rejected: Rejection[] = [];
  for (let at = 0; at < items.length; at += MAX_IMPORT_ITEMS) {
    const result = await catalog.import(items.slice(at, at + MAX_IMPORT_ITEMS));
    inserted += result.inserted;
    updated += result.updated;
    rejected.push(...result.rejected.map((r) => ({ ...r, index: r.index + at })));
  }
  return { items: items.length, inserted, updated, rejected };
}
