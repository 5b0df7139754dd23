import type { Env } from "./env.js";

/**
 * COMPRESS_MIN_BYTES: responses at least this large are gzipped when the client accepts gzip;
 * `off` never compresses a response (compressed requests are still accepted). Compression costs CPU
 * on every call (about a third of the throughput on loopback), so small messages, where it saves
 * little, stay plain.
 */
export function loadCompressMinBytes(env: Env, problems: string[]): number {
  const raw = env.COMPRESS_MIN_BYTES?.trim();
  if (raw === undefined || raw === "") return 1024;
  if (raw.toLowerCase() === "off") return Number.POSITIVE_INFINITY;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    problems.push(`COMPRESS_MIN_BYTES must be an integer in [0, 4294967295] or "off", got "${raw}"`);
    return 1024;
  }
  return n;
}
