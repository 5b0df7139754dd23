/**
 * Tries several score mixes on the validation split with one training run (the models do not
 * depend on the mix), so the mix is chosen without the test items:
 *
 *   npx tsx scripts/eval/tune.ts --dataset DIR [--order newest-first] [--protocol sampled|full] \
 *     [eval's model flags] --mixes "mf=1;mf=0.9,popularity=0.1;..."
 *
 * Each mix lists the weights it sets; the others are 0.
 */
import { parseArgs } from "./cli.js";
import { readDataset } from "./dataset.js";
import { score, train } from "./run.js";
import { validationSplit } from "./split.js";
import type { ScoreMix } from "../../worker/engine/weights.js";

const argv = process.argv.slice(2);
const at = argv.indexOf("--mixes");
const mixes = at >= 0 ? (argv.splice(at, 2)[1] ?? "").split(";").filter((m) => m.trim() !== "") : [];
const args = parseArgs(argv);
const data = readDataset(args.dataset);
const split = validationSplit(data, { seed: args.seed, negatives: 99, holdout: args.holdout });
const now = new Date("2025-01-01T00:00:00Z");
const timeline = args.timeline ? { timeline: args.timeline } : {};
const trained = await train(split, data.items, { weights: args.weights, similarity: args.similarity, now, ...timeline });
process.stdout.write(`trained in ${trained.trainSeconds.toFixed(1)} s (mf dim ${args.weights.mf.dim}, epochs ${args.weights.mf.epochs})\n`);
const zero: ScoreMix = { content: 0, collaborative: 0, distance: 0, popularity: 0, soonness: 0, mf: 0 };
for (const text of mixes.length > 0 ? mixes : ["mf=1"]) {
  const mix: Record<string, number> = { ...zero };
  for (const part of text.split(",")) {
    const [key, w] = part.split("=");
    if (key === undefined || !(key in zero) || !Number.isFinite(Number(w))) throw new Error(`bad mix entry ${part}`);
    mix[key] = Number(w);
  }
  const weights = { ...args.weights, mix: { ...args.weights.mix, movie: mix as unknown as ScoreMix } };
  const r = score(trained, split, { protocol: args.protocol, weights, similarity: args.similarity, now, ...timeline });
  process.stdout.write(
    `${text.padEnd(48)} HR@10 ${r.hr10.toFixed(4)}  NDCG@10 ${r.ndcg10.toFixed(4)}  (${r.users} users, ${r.scoreSeconds.toFixed(1)} s)\n`,
  );
}
