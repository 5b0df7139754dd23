/**
 * Same-process A/B of the ranking engine against a git revision:
 * `npx tsx worker/engine/bench-ab.ts [--base REV] [--size N] [--users N] [--rounds N]`
 * (defaults HEAD, 100000, 20, 30). It checks REV's worker/engine and server/domain out into
 * `.bench-ab/REV/` (ignored by git), builds each type's catalog index with both versions from the
 * same synthetic catalog, and times rank() over the same users, the four types in turn, alternating
 * REV and the working tree round by round, so both see the same machine. It prints the median time
 * per user (four lists) of each and their ratio, and first reports every list that differs.
 * Inputs other than the index (user models, item similarity, MF model) are built by the working
 * tree and given to both: a REV whose engine takes them in another shape cannot be compared.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ContentKind } from "../../server/domain/content/kinds.js";
import { buildCatalogIndex, type CatalogIndex } from "./catalog-index.js";
import { buildItemSimilarity } from "./item-similarity.js";
import { foldInUser } from "./mf/fold-in.js";
import { mfPreferences, trainMf } from "./mf/ials.js";
import { rank, type RankInput, type RankResult } from "./rank.js";
import { starterItemsOf } from "./starter-items.js";
import { cityCentres, syntheticCatalog, syntheticInteractions, syntheticUser } from "./synthetic-catalog.js";
import { DEFAULT_WEIGHTS } from "./weights.js";

interface Engine {
  readonly buildCatalogIndex: (kind: ContentKind, items: Parameters<typeof buildCatalogIndex>[1]) => CatalogIndex;
  readonly rank: (input: RankInput) => RankResult;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const KINDS = ["place", "event", "music", "movie"] as const;
const now = new Date("2025-06-01T12:00:00Z");

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1]! : fallback;
}
const base = option("base", "HEAD");
const size = Number(option("size", "100000"));
const userCount = Number(option("users", "20"));
const rounds = Number(option("rounds", "30"));

/** REV's engine, checked out beside the project so its imports of packages resolve as ours do. */
async function engineAt(rev: string): Promise<Engine> {
  const commit = execFileSync("git", ["rev-parse", "--short", rev], { cwd: ROOT, encoding: "utf8" }).trim();
  const dir = path.join(ROOT, ".bench-ab", commit);
  if (!existsSync(path.join(dir, "worker", "engine", "rank.ts"))) {
    mkdirSync(dir, { recursive: true });
    const archive = execFileSync("git", ["archive", commit, "worker/engine", "server/domain"], { cwd: ROOT, maxBuffer: 1 << 28 });
    execFileSync("tar", ["-x", "-C", dir], { input: archive });
  }
  const load = (file: string) => import(pathToFileURL(path.join(dir, "worker", "engine", file)).href);
  const [{ buildCatalogIndex: build }, { rank: rankAt }] = await Promise.all([load("catalog-index.ts"), load("rank.ts")]);
  return { buildCatalogIndex: build, rank: rankAt };
}

const mine: Engine = { buildCatalogIndex, rank };
const theirs = await engineAt(base);
const starter = (kind: ContentKind) => starterItemsOf(kind, now);
const cities = cityCentres(starter("place"));

const cases = KINDS.map((kind) => {
  const items = syntheticCatalog({ contentType: kind, count: size, templates: starter(kind), cities, now });
  const indexes = new Map([mine, theirs].map((engine) => [engine, engine.buildCatalogIndex(kind, items)] as const));
  const ours = indexes.get(mine)!;
  const interactions = syntheticInteractions(items, 2_000, 20, now);
  const similarity = buildItemSimilarity(interactions, { topK: 50, now });
  // A short training: the comparison needs a model of the right shape, not a good one.
  const model = trainMf(mfPreferences(interactions, { now }), { ...DEFAULT_WEIGHTS.mf, epochs: 4 });
  const users = Array.from({ length: userCount }, (_, u) => {
    const user = syntheticUser({ contentType: kind, index: ours, interactions, userId: `u-${u * 7}`, now });
    return { user, mf: { model, userVector: foldInUser(model, user.positives) }, location: cities[u % cities.length]! };
  });
  return { kind, indexes, similarity, users };
});

const inputs = (engine: Engine) =>
  cases.flatMap(({ kind, indexes, similarity, users }) =>
    users.map((u): RankInput => ({ contentType: kind, index: indexes.get(engine)!, user: u.user, similarity, mf: u.mf, location: u.location, now, limit: 20 })),
  );
const runs = new Map([mine, theirs].map((engine) => [engine, inputs(engine)] as const));

let differing = 0;
const theirInputs = runs.get(theirs)!;
runs.get(mine)!.forEach((input, k) => {
  const a = JSON.stringify(theirs.rank(theirInputs[k]!).recommendations);
  const b = JSON.stringify(mine.rank(input).recommendations);
  if (a !== b) {
    differing++;
    console.log(`differs: ${input.contentType} user ${k % userCount}`);
  }
});

function time(engine: Engine): number {
  const started = performance.now();
  for (const input of runs.get(engine)!) engine.rank(input);
  return (performance.now() - started) / userCount;
}
for (let k = 0; k < 5; k++) for (const engine of [theirs, mine]) time(engine);
const times = new Map<Engine, number[]>([[theirs, []], [mine, []]]);
for (let r = 0; r < rounds; r++) for (const engine of r % 2 ? [mine, theirs] : [theirs, mine]) times.get(engine)!.push(time(engine));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const [was, is] = [median(times.get(theirs)!), median(times.get(mine)!)];
console.log(
  `${size} items per type, ${userCount} users, ${rounds} rounds: rank() × 4 types per user ${base} ${was.toFixed(3)} ms, working tree ${is.toFixed(3)} ms, ratio ${(is / was).toFixed(3)}; ${differing} of ${theirInputs.length} lists differ`,
);
