/**
 * Reads an offline evaluation data set (the format of ../shared/eval/README.md):
 * train.csv and test.csv (`user,item`), items.jsonl (`{"item","title","year","genres"}`) and
 * candidates.jsonl (`{"user","candidates":[...]}`). Ids are opaque strings.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface EvalItem {
  readonly id: string;
  readonly title: string;
  readonly year?: number;
  readonly genres: readonly string[];
}

export interface Pair {
  readonly user: string;
  readonly item: string;
}

export interface EvalDataset {
  readonly items: readonly EvalItem[];
  readonly train: readonly Pair[];
  /** The held-out item of each user (one per user). */
  readonly test: ReadonlyMap<string, string>;
  /** The 100 candidates of each user (held-out item included), when the data set has them. */
  readonly candidates: ReadonlyMap<string, readonly string[]>;
}

export function readDataset(dir: string): EvalDataset {
  const file = (name: string) => join(dir, name);
  for (const name of ["train.csv", "items.jsonl", "test.csv"]) {
    if (!existsSync(file(name))) throw new Error(`${file(name)} is missing`);
  }
  const train = readPairs(file("train.csv"));
  const test = new Map<string, string>();
  for (const { user, item } of readPairs(file("test.csv"))) {
    if (test.has(user)) throw new Error(`test.csv: user ${user} has more than one held-out item`);
    test.set(user, item);
  }
  const items = lines(file("items.jsonl")).map((line, n) => parseItem(line, n + 1));
  const candidates = new Map<string, readonly string[]>();
  if (existsSync(file("candidates.jsonl"))) {
    lines(file("candidates.jsonl")).forEach((line, n) => {
      const row = JSON.parse(line) as { user?: unknown; candidates?: unknown };
      if (typeof row.user !== "string" || !Array.isArray(row.candidates) || !row.candidates.every((c) => typeof c === "string")) {
        throw new Error(`candidates.jsonl:${n + 1}: expected {"user": string, "candidates": [string, ...]}`);
      }
      candidates.set(row.user, row.candidates as string[]);
    });
  }
  return { items, train, test, candidates };
}

function lines(path: string): string[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
}

export function readPairs(path: string): Pair[] {
  const all = lines(path);
  const header = all[0]?.split(",").map((h) => h.trim());
  if (!header || header[0] !== "user" || header[1] !== "item") throw new Error(`${path}: expected the header "user,item"`);
  const out: Pair[] = [];
  for (let n = 1; n < all.length; n++) {
    const [user, item] = all[n]!.split(",");
    if (!user || !item) throw new Error(`${path}:${n + 1}: expected "user,item"`);
    out.push({ user: user.trim(), item: item.trim() });
  }
  return out;
}

function parseItem(line: string, n: number): EvalItem {
  const row = JSON.parse(line) as { item?: unknown; title?: unknown; year?: unknown; genres?: unknown };
  if (typeof row.item !== "string") throw new Error(`items.jsonl:${n}: "item" must be a string`);
  const genres = Array.isArray(row.genres) ? row.genres.filter((g): g is string => typeof g === "string") : [];
  return {
    id: row.item,
    title: typeof row.title === "string" ? row.title : row.item,
    ...(typeof row.year === "number" && Number.isFinite(row.year) ? { year: row.year } : {}),
    genres,
  };
}
