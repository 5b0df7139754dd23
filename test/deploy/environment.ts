import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

/** Variables .env.example documents, set (`NAME=`) or commented out (`# NAME=`). */
export function documentedVariables(): Set<string> {
  const names = new Set<string>();
  for (const line of read(".env.example").split("\n")) {
    const m = /^#?\s?([A-Z][A-Z0-9_]*)=/.exec(line);
    if (m) names.add(m[1]!);
  }
  return names;
}

/** The files that read the environment: server/config/*.ts and worker/config.ts. */
export function configSources(): string[] {
  const serverConfigs = readdirSync(path.join(ROOT, "server/config"))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => `server/config/${f}`);
  return [...serverConfigs, "worker/config.ts"];
}

/**
 * Variables the configuration code reads: `env.NAME`, `env["NAME"]`, and the first string argument of
 * its helpers (`int("PORT", …)`, `boolean(env, "TRUST_PROXY", …)`).
 */
export function variablesReadByCode(): Set<string> {
  const names = new Set<string>();
  for (const file of configSources()) {
    const text = read(file);
    for (const m of text.matchAll(/\benv(?:\.|\[")([A-Z][A-Z0-9_]*)/g)) names.add(m[1]!);
    for (const m of text.matchAll(/\(\s*(?:env\s*,\s*)?"([A-Z][A-Z0-9_]*)"\s*,/g)) names.add(m[1]!);
  }
  return names;
}
