import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SPACING_HOURS, main, parseArgs } from "../../scripts/eval/cli.js";
import { readDataset } from "../../scripts/eval/dataset.js";
import { MetricSum, hitAt, ndcgAt } from "../../scripts/eval/metrics.js";
import { likeInteractions, type Timeline } from "../../scripts/eval/run.js";
import { validationSplit } from "../../scripts/eval/split.js";
import { HOUR_MS } from "../../worker/engine/weights.js";

/**
 * A tiny data set with two taste groups of eight users: group A likes a0..a5, group B likes
 * b0..b5, each user missing two of their group's items in training: one is held out for the test,
 * the other never seen. Candidates: the held-out item and three items of the other group.
 */
function writeDataset(dir: string): void {
  const items = [...["a", "b"].flatMap((g) => Array.from({ length: 6 }, (_, i) => `${g}${i}`)), "x0"];
  writeFileSync(
    path.join(dir, "items.jsonl"),
    items.map((id) => JSON.stringify({ item: id, title: `Film ${id}`, year: 1990 + items.indexOf(id), genres: [id.startsWith("a") ? "Drama" : "Comedy"] })).join("\n") + "\n",
  );
  const train = ["user,item"];
  const test = ["user,item"];
  const candidates: string[] = [];
  for (const [g, other] of [["a", "b"], ["b", "a"]] as const) {
    for (let u = 0; u < 8; u++) {
      const user = `${g}u${u}`;
      const held = `${g}${u % 6}`;
      const unseen = `${g}${(u + 1) % 6}`;
      for (let i = 0; i < 6; i++) if (`${g}${i}` !== held && `${g}${i}` !== unseen) train.push(`${user},${g}${i}`);
      test.push(`${user},${held}`);
      candidates.push(JSON.stringify({ user, candidates: [`${other}${u % 6}`, held, `${other}${(u + 2) % 6}`, `${other}${(u + 4) % 6}`] }));
    }
  }
  writeFileSync(path.join(dir, "train.csv"), train.join("\n") + "\n");
  writeFileSync(path.join(dir, "test.csv"), test.join("\n") + "\n");
  writeFileSync(path.join(dir, "candidates.jsonl"), candidates.join("\n") + "\n");
}

const SMALL = ["--dim", "8", "--epochs", "8", "--reg", "0.03", "--alpha0", "0.1", "--threads", "1"];
const MF_ONLY = ["--mix", "mf=1,content=0,collaborative=0,popularity=0"];

describe("eval metrics", () => {
  it("computes HR@10 and NDCG@10 from 0-based ranks by hand", () => {
    expect(hitAt(0, 10)).toBe(1);
    expect(hitAt(9, 10)).toBe(1);
    expect(hitAt(10, 10)).toBe(0);
    expect(hitAt(-1, 10)).toBe(0);
    expect(ndcgAt(0, 10)).toBe(1);
    expect(ndcgAt(1, 10)).toBeCloseTo(1 / Math.log2(3), 12);
    expect(ndcgAt(10, 10)).toBe(0);
    const sum = new MetricSum(10);
    for (const r of [0, 3, 12, -1]) sum.add(r);
    expect(sum.users).toBe(4);
    expect(sum.hr).toBe(0.5);
    // (1 + 1/log2(5)) / 4
    expect(sum.ndcg).toBeCloseTo((1 + 0.430676558) / 4, 8);
  });
});

describe("npm run eval", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "eval-test-"));
    writeDataset(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("ranks every user's candidates with the engine, writes them, and reports the metrics of what it wrote", async () => {
    const predictions = path.join(dir, "sampled.jsonl");
    const lines: string[] = [];
    const [result] = await main(["--dataset", dir, "--predictions", predictions, ...SMALL], (l) => lines.push(l));
    const written = readFileSync(predictions, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { user: string; ranked: string[] });
    expect(written).toHaveLength(16);
    const data = readDataset(dir);
    // Independently: the rank of each held-out item in the written lists.
    const sum = new MetricSum(10);
    for (const { user, ranked } of written) {
      expect([...ranked].sort()).toEqual([...data.candidates.get(user)!].sort());
      sum.add(ranked.indexOf(data.test.get(user)!));
    }
    expect(result!.users).toBe(16);
    expect(result!.hr10).toBe(sum.hr);
    expect(result!.ndcg10).toBeCloseTo(sum.ndcg, 12);
    // With four candidates every held-out item is in the top 10; the structure puts it first.
    expect(result!.hr10).toBe(1);
    expect(result!.ndcg10).toBe(1);
    expect(lines.join("\n")).toMatch(/test +sampled users 16 +HR@10 1\.0000 +NDCG@10 1\.0000 +train [\d.]+ s \(MF [\d.]+ s, CPU [\d.]+ s\) +score [\d.]+ s/);
  });

  it("ranks everything unseen in full ranking and writes the top 10", async () => {
    const predictions = path.join(dir, "full.jsonl");
    const lines: string[] = [];
    const [result] = await main(["--dataset", dir, "--protocol", "full", "--predictions", predictions, "--no-similarity", ...MF_ONLY, ...SMALL], (l) =>
      lines.push(l),
    );
    const data = readDataset(dir);
    const written = readFileSync(predictions, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { user: string; top: string[] });
    expect(written).toHaveLength(16);
    const sum = new MetricSum(10);
    for (const { user, top } of written) {
      const seen = new Set(data.train.filter((p) => p.user === user).map((p) => p.item));
      // 13 items, 4 seen in training: the 9 others, all of them, in the top 10.
      expect(top).toHaveLength(9);
      expect(top.filter((i) => seen.has(i))).toEqual([]);
      sum.add(top.indexOf(data.test.get(user)!));
    }
    expect(result!.recall10).toBe(sum.hr);
    expect(result!.ndcg10).toBeCloseTo(sum.ndcg, 12);
    expect(result!.recall10).toBe(1);
    // The held-out item and the group's other unseen item share the top two places.
    expect(result!.ndcg10).toBeGreaterThanOrEqual((1 + 1 / Math.log2(3)) / 2 - 1e-9);
    expect(lines.join("\n")).toMatch(/Recall@10 1\.0000/);
  });

  it("evaluates a validation split carved from training before the test", async () => {
    const lines: string[] = [];
    const results = await main(["--dataset", dir, "--split", "both", "--json", ...SMALL], (l) => lines.push(l));
    expect(results).toHaveLength(2);
    expect(results[0]!.users).toBe(16);
    expect(lines.some((l) => l.startsWith("validation"))).toBe(true);
    const json = lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { split: string; hr10: number });
    expect(json.map((j) => j.split)).toEqual(["validation", "test"]);
  });

  it("runs as a script, exiting non-zero on a bad argument and printing the usage on --help", async () => {
    const run = promisify(execFile);
    const cwd = path.resolve(__dirname, "../..");
    // One process: a bad argument fails before anything loads, so the message comes from the CLI itself.
    const failed = await run("npx", ["tsx", "scripts/eval.ts", "--dataset", dir, "--protocol", "sideways"], { cwd }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 1 });
    expect(String((failed as { stderr?: string }).stderr)).toMatch(/unknown protocol sideways\nusage: npm run eval/);
    const help = await run("npx", ["tsx", "scripts/eval.ts", "--help"], { cwd });
    expect(help.stdout).toMatch(/^usage: npm run eval -- --dataset DIR[^]*--order none\|newest-first\|oldest-first/);
  }, 60_000);
});

/**
 * Eight users who each liked three dramas and three comedies; the file lists the dramas first.
 * Each user's held-out item is one more drama, ranked against one more comedy by content alone.
 */
function writeOrderedDataset(dir: string): void {
  const films = [...Array.from({ length: 5 }, (_, i) => [`d${i}`, "Drama"]), ...Array.from({ length: 5 }, (_, i) => [`c${i}`, "Comedy"])];
  writeFileSync(path.join(dir, "items.jsonl"), films.map(([id, genre]) => JSON.stringify({ item: id, title: `Film ${id}`, genres: [genre] })).join("\n") + "\n");
  const train = ["user,item"];
  const test = ["user,item"];
  const candidates: string[] = [];
  for (let u = 0; u < 8; u++) {
    for (const g of ["d", "c"]) for (let i = 0; i < 3; i++) train.push(`u${u},${g}${(u + i) % 5}`);
    test.push(`u${u},d${(u + 3) % 5}`);
    candidates.push(JSON.stringify({ user: `u${u}`, candidates: [`c${(u + 3) % 5}`, `d${(u + 3) % 5}`] }));
  }
  writeFileSync(path.join(dir, "train.csv"), train.join("\n") + "\n");
  writeFileSync(path.join(dir, "test.csv"), test.join("\n") + "\n");
  writeFileSync(path.join(dir, "candidates.jsonl"), candidates.join("\n") + "\n");
}

describe("npm run eval --order", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "eval-order-"));
    writeOrderedDataset(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const CONTENT_ONLY = ["--mix", "content=1,mf=0,collaborative=0,popularity=0", "--no-similarity", ...SMALL];

  it("reads the file order as time, so the engine's decay favours the user's latest taste", async () => {
    const ndcg = async (...order: string[]) => (await main(["--dataset", dir, ...order, ...CONTENT_ONLY], () => {}))[0]!.ndcg10;
    // Dramas listed first are the newest: the held-out drama beats the comedy for every user.
    expect(await ndcg("--order", "newest-first", "--spacing-hours", "240")).toBe(1);
    // Dramas listed first and oldest: the comedies are the recent taste, and every drama comes second.
    expect(await ndcg("--order", "oldest-first", "--spacing-hours", "240")).toBeCloseTo(1 / Math.log2(3), 12);
  });

  it("places a user's k-th item from the newest k spacings before the clock", () => {
    const now = new Date("2025-01-01T00:00:00Z");
    const pairs = [
      { user: "a", item: "x" },
      { user: "b", item: "y" },
      { user: "a", item: "z" },
      { user: "a", item: "w" },
    ];
    const ages = (t?: Timeline) => likeInteractions(pairs, now, t).map((i) => (now.getTime() - i.createdAt.getTime()) / HOUR_MS);
    expect(ages({ order: "newest-first", spacingMs: 2 * HOUR_MS })).toEqual([0, 0, 2, 4]);
    expect(ages({ order: "oldest-first", spacingMs: 2 * HOUR_MS })).toEqual([4, 0, 2, 0]);
    expect(ages()).toEqual([0, 0, 0, 0]);
  });

  it("holds out each user's latest item for validation when the order says which it is", () => {
    expect(parseArgs(["--dataset", "d", "--order", "newest-first"])).toMatchObject({
      holdout: "first",
      timeline: { order: "newest-first", spacingMs: DEFAULT_SPACING_HOURS * HOUR_MS },
    });
    expect(parseArgs(["--dataset", "d", "--order", "oldest-first", "--spacing-hours", "6"])).toMatchObject({ holdout: "last", timeline: { spacingMs: 6 * HOUR_MS } });
    expect(parseArgs(["--dataset", "d", "--order", "newest-first", "--holdout", "random"]).holdout).toBe("random");
    expect(parseArgs(["--dataset", "d"])).not.toHaveProperty("timeline");
    expect(() => parseArgs(["--dataset", "d", "--order", "sideways"])).toThrow(/unknown order sideways/);
    expect(() => parseArgs(["--dataset", "d", "--order", "newest-first", "--spacing-hours", "0"])).toThrow(/must be above 0/);
  });
});

describe("validation split", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "eval-split-"));
  writeDataset(dir);
  const data = readDataset(dir);
  rmSync(dir, { recursive: true, force: true });

  it("holds out one training item per user with negatives the user never saw, reproducibly", () => {
    const split = validationSplit(data, { seed: 4, negatives: 3 });
    expect(split.test.size).toBe(16);
    expect(split.train).toHaveLength(data.train.length - 16);
    for (const [user, held] of split.test) {
      const before = data.train.filter((p) => p.user === user).map((p) => p.item);
      const after = split.train.filter((p) => p.user === user).map((p) => p.item);
      expect(before).toContain(held);
      expect(after).not.toContain(held);
      const candidates = split.candidates.get(user)!;
      expect(candidates).toHaveLength(4);
      expect(candidates).toContain(held);
      for (const c of candidates.filter((c) => c !== held)) {
        expect(before).not.toContain(c);
        expect(c).not.toBe(data.test.get(user));
      }
    }
    expect(validationSplit(data, { seed: 4, negatives: 3 })).toEqual(split);
    expect(validationSplit(data, { seed: 5, negatives: 3 }).test).not.toEqual(split.test);
    const first = validationSplit(data, { seed: 4, negatives: 3, holdout: "first" });
    expect(first.test.get("au0")).toBe(data.train.find((p) => p.user === "au0")!.item);
  });

  it("parses the command line, refusing what it does not know", () => {
    const args = parseArgs(["--dataset", "d", "--mix", "mf=0.9,popularity=0.1,content=0,collaborative=0", "--dim", "16"]);
    expect(args.weights.mix.movie).toMatchObject({ mf: 0.9, popularity: 0.1, content: 0, collaborative: 0 });
    expect(args.weights.mf.dim).toBe(16);
    expect(args.protocol).toBe("sampled");
    expect(() => parseArgs(["--dataset", "d", "--mix", "taste=1"])).toThrow(/bad --mix/);
    expect(() => parseArgs(["--protocol", "full"])).toThrow(/--dataset is required/);
  });
});
