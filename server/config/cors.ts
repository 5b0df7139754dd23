/**
 * Which browser origins may call the API cross-origin: `*` (any), or exact origins. Empty (the
 * default) sends no CORS headers at all, so only pages served from the API's own origin can call it.
 * A permissive development default (say, any localhost port) was rejected: every local dev server and
 * opened HTML file would then be able to act with a signed-in user's token.
 */
export type CorsOrigins = "*" | ReadonlySet<string>;

import type { Env } from "./env.js";

/** CORS_ORIGINS; problems are appended for loadConfig to report together with the others. */
export function loadCorsOrigins(env: Env, problems: string[]): CorsOrigins {
  const entries = (env.CORS_ORIGINS ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.includes("*")) {
    if (entries.length > 1) problems.push(`CORS_ORIGINS: "*" allows every origin and must be the only entry`);
    return "*";
  }
  const origins = new Set<string>();
  for (const entry of entries) {
    const origin = serializedOrigin(entry);
    // Browsers send the serialized origin (lower-case host, no default port, no path), and the
    // comparison is exact: anything else here would silently never match.
    if (origin === entry) origins.add(entry);
    else {
      const hint = origin ? `; did you mean "${origin}"?` : "";
      problems.push(`CORS_ORIGINS: "${entry}" is not an origin (scheme://host[:port], no path or trailing slash)${hint}`);
    }
  }
  return origins;
}

function serializedOrigin(entry: string): string | undefined {
  try {
    const url = new URL(entry);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : undefined;
  } catch {
    return undefined;
  }
}
