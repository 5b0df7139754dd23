import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * package.json's version. Looked up from this file upwards because the module runs both from
 * `server/observability/` (tsx) and `dist/server/observability/` (the image), at different depths.
 */
const VERSION = ((): string => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { version?: unknown };
      return typeof pkg.version === "string" ? pkg.version : "unknown";
    }
    const parent = path.dirname(dir);
    if (parent === dir) return "unknown";
    dir = parent;
  }
})();

/** The running build, for `/health/detailed`: which version, since when, on which Node, which pid. */
export function processInfo() {
  return {
    version: VERSION,
    uptimeSeconds: Math.round(process.uptime() * 10) / 10,
    node: process.version,
    pid: process.pid,
  };
}
