import type { Logger } from "pino";
import type { Config } from "./config/config.js";
import type { Catalog } from "./domain/content/catalog.js";
import { loadStarterCatalog } from "./domain/content/starter-catalog.js";

/**
 * Gives a fresh install something to recommend: loads catalog/starter/ into an empty catalog.
 * `auto` does so only on the embedded default (no DATABASE_URL), where `npm start` is a trial run;
 * a Postgres deployment holds a real catalog and gets the samples only when it asks (`always`).
 */
export async function loadStarterCatalogOnStart(
  config: Pick<Config, "starterCatalog" | "databaseUrl">,
  catalog: Catalog,
  logger: Logger,
): Promise<void> {
  const wanted = config.starterCatalog === "always" || (config.starterCatalog === "auto" && !config.databaseUrl);
  if (!wanted) return;
  const started = performance.now();
  const loaded = await loadStarterCatalog(catalog);
  if (!loaded) {
    logger.debug("catalog not empty: starter catalog not loaded");
    return;
  }
  const { items, inserted, updated, rejected } = loaded;
  logger.info({ items, inserted, updated, rejected: rejected.length, ms: Math.round(performance.now() - started) }, "starter catalog loaded");
  if (rejected.length > 0) logger.warn({ rejected: rejected.slice(0, 5) }, "starter catalog items rejected");
}
