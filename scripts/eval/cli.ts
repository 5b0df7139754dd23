/** Argument parsing and the run loop of scripts/eval.ts. */
import { createWriteStream, type WriteStream } from "node:fs";
import { DEFAULT_WEIGHTS, HOUR_MS, type EngineWeights, type ScoreMix } from "../../worker/engine/weights.js";
import { readDataset } from "./dataset.js";
import { runEvaluation, type Protocol, type RunResult, type Timeline } from "./run.js";
import { validationSplit, type ValidationOptions } from "./split.js";

export interface EvalArgs {
  readonly dataset: string;
  readonly protocol: Protocol;
  readonly predictions?: string;
  readonly split: "test" | "validation" | "both";
  readonly holdout: NonNullable<ValidationOptions["holdout"]>;
  /** The training file's order read as time (--order, --spacing-hours); none: no timeline. */
  readonly timeline?: Timeline;
  readonly seed: number;
  readonly similarity: boolean;
  readonly weights: EngineWeights;
  readonly json: boolean;
  readonly threads?: number;
}

export const USAGE = `usage: npm run eval -- --dataset DIR [--protocol sampled|full] [--predictions FILE]
  [--split test|validation|both] [--holdout random|first|last] [--seed N] [--no-similarity]
  [--order none|newest-first|oldest-first] [--spacing-hours H]
  [--mix mf=W,content=W,collaborative=W,popularity=W] [--dim N] [--epochs N] [--reg X] [--reg-exp X]
  [--alpha0 X] [--cg-steps N] [--stddev X] [--mf-seed N] [--threads N] [--json]`;

/**
 * With the engine's 30-day half-life, interactions two days apart halve in weight every 15 newer
 * ones: the best of 12–72 h on MovieLens 1M's validation split (worker/engine/README.md).
 */
export const DEFAULT_SPACING_HOURS = 48;

const MIX_KEYS = ["content", "collaborative", "distance", "popularity", "soonness", "mf"] as const;

export function parseArgs(argv: readonly string[]): EvalArgs {
  let dataset: string | undefined;
  let protocol: Protocol = "sampled";
  let predictions: string | undefined;
  let split: EvalArgs["split"] = "test";
  let holdout: EvalArgs["holdout"] | undefined;
  let order: "none" | Timeline["order"] = "none";
  let spacingHours = DEFAULT_SPACING_HOURS;
  let seed = 1;
  let similarity = true;
  let json = false;
  let threads: number | undefined;
  let mix: ScoreMix = DEFAULT_WEIGHTS.mix.movie;
  let mf = DEFAULT_WEIGHTS.mf;
  const fail = (message: string): never => {
    throw new Error(`${message}\n${USAGE}`);
  };
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k]!;
    const value = (): string => argv[++k] ?? fail(`${arg} needs a value`);
    const number = (): number => {
      const v = Number(value());
      return Number.isFinite(v) ? v : fail(`${arg} needs a number`);
    };
    switch (arg) {
      case "--dataset":
        dataset = value();
        break;
      case "--protocol": {
        const v = value();
        protocol = v === "sampled" || v === "full" ? v : fail(`unknown protocol ${v}`);
        break;
      }
      case "--predictions":
        predictions = value();
        break;
      case "--split": {
        const v = value();
        split = v === "test" || v === "validation" || v === "both" ? v : fail(`unknown split ${v}`);
        break;
      }
      case "--holdout": {
        const v = value();
        holdout = v === "random" || v === "first" || v === "last" ? v : fail(`unknown holdout ${v}`);
        break;
      }
      case "--seed":
        seed = number();
        break;
      case "--order": {
        const v = value();
        order = v === "none" || v === "newest-first" || v === "oldest-first" ? v : fail(`unknown order ${v}`);
        break;
      }
      case "--spacing-hours":
        spacingHours = number();
        if (spacingHours <= 0) fail("--spacing-hours must be above 0");
        break;
      case "--no-similarity":
        similarity = false;
        break;
      case "--json":
        json = true;
        break;
      case "--threads":
        threads = number();
        break;
      case "--mix": {
        const next: Record<string, number> = { ...mix };
        for (const part of value().split(",")) {
          const [key, w] = part.split("=");
          if (!MIX_KEYS.includes(key as (typeof MIX_KEYS)[number]) || !Number.isFinite(Number(w))) fail(`bad --mix entry ${part}`);
          next[key!] = Number(w);
        }
        mix = next as unknown as ScoreMix;
        break;
      }
      case "--dim":
        mf = { ...mf, dim: number() };
        break;
      case "--epochs":
        mf = { ...mf, epochs: number() };
        break;
      case "--reg":
        mf = { ...mf, regularization: number() };
        break;
      case "--reg-exp":
        mf = { ...mf, regularizationExp: number() };
        break;
      case "--alpha0":
        mf = { ...mf, unobservedWeight: number() };
        break;
      case "--cg-steps":
        mf = { ...mf, cgSteps: number() };
        break;
      case "--stddev":
        mf = { ...mf, stddev: number() };
        break;
      case "--mf-seed":
        mf = { ...mf, seed: number() };
        break;
      default:
        fail(`unknown argument ${arg}`);
    }
  }
  if (!dataset) return fail("--dataset is required");
  const weights: EngineWeights = { ...DEFAULT_WEIGHTS, mix: { ...DEFAULT_WEIGHTS.mix, movie: mix }, mf };
  return {
    dataset,
    protocol,
    ...(predictions ? { predictions } : {}),
    split,
    // The validation item defaults to the user's latest when the file says which that is, as in the test.
    holdout: holdout ?? (order === "newest-first" ? "first" : order === "oldest-first" ? "last" : "random"),
    ...(order !== "none" ? { timeline: { order, spacingMs: spacingHours * HOUR_MS } } : {}),
    seed,
    similarity,
    weights,
    json,
    ...(threads !== undefined ? { threads } : {}),
  };
}

function format(name: string, r: RunResult): string {
  const figures = [`HR@10 ${r.hr10.toFixed(4)}`, `NDCG@10 ${r.ndcg10.toFixed(4)}`];
  if (r.recall10 !== undefined) figures.push(`Recall@10 ${r.recall10.toFixed(4)}`);
  return (
    `${name.padEnd(10)} ${r.protocol.padEnd(7)} users ${r.users}${r.skipped ? ` (skipped ${r.skipped})` : ""}  ` +
    `${figures.join("  ")}  train ${r.trainSeconds.toFixed(1)} s (MF ${r.mfSeconds.toFixed(1)} s, CPU ${r.trainCpuSeconds.toFixed(1)} s)  score ${r.scoreSeconds.toFixed(1)} s`
  );
}

export async function main(argv: readonly string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<RunResult[]> {
  const args = parseArgs(argv);
  const data = readDataset(args.dataset);
  const now = new Date("2025-01-01T00:00:00Z");
  const log = (m: string) => process.stderr.write(`  ${m}\n`);
  const { mf, mix } = { mf: args.weights.mf, mix: args.weights.mix.movie };
  out(
    `dataset ${args.dataset}: ${data.items.length} items, ${data.train.length} training pairs, ${data.test.size} test users\n` +
      `mf dim ${mf.dim} epochs ${mf.epochs} reg ${mf.regularization} reg-exp ${mf.regularizationExp} alpha0 ${mf.unobservedWeight} cg-steps ${mf.cgSteps}; ` +
      `mix ${MIX_KEYS.filter((k) => mix[k] > 0).map((k) => `${k}=${mix[k]}`).join(",")}; similarity ${args.similarity ? "on" : "off"}; ` +
      (args.timeline ? `order ${args.timeline.order}, ${args.timeline.spacingMs / HOUR_MS} h apart` : "order none (no decay)"),
  );
  const results: RunResult[] = [];
  const runs: ("validation" | "test")[] = args.split === "both" ? ["validation", "test"] : [args.split];
  for (const which of runs) {
    const split = which === "test" ? data : validationSplit(data, { seed: args.seed, negatives: 99, holdout: args.holdout });
    // Predictions are the test split's, or the validation split's when that is the only one run.
    let file: WriteStream | undefined;
    if (args.predictions && (which === "test" || args.split === "validation")) file = createWriteStream(args.predictions);
    const result = await runEvaluation(split, data.items, {
      protocol: args.protocol,
      weights: args.weights,
      similarity: args.similarity,
      now,
      ...(args.timeline ? { timeline: args.timeline } : {}),
      ...(args.threads !== undefined ? { threads: args.threads } : {}),
      ...(file ? { onPrediction: (line: string) => file.write(`${line}\n`) } : {}),
      ...(!args.json && process.stderr.isTTY ? { onProgress: log } : {}),
    });
    if (file) await new Promise<void>((resolve, reject) => file.end((e?: Error | null) => (e ? reject(e) : resolve())));
    results.push(result);
    out(format(which, result));
    if (args.json) {
      const { model: _model, ...figures } = result;
      out(JSON.stringify({ split: which, ...figures }));
    }
  }
  return results;
}
