/**
 * Offline recommendation quality, with the engine the worker runs:
 *
 *   npm run eval -- --dataset DIR [--protocol sampled|full] [--predictions FILE]
 *                   [--split test|validation|both] [--holdout random|first|last] [--seed N]
 *                   [--order none|newest-first|oldest-first] [--spacing-hours H]
 *                   [--no-similarity] [--mix mf=0.8,content=0.1,...] [--dim N] [--epochs N]
 *                   [--reg X] [--reg-exp X] [--alpha0 X] [--cg-steps N] [--threads N] [--json]
 *
 * DIR holds train.csv, items.jsonl, test.csv and candidates.jsonl (../shared/eval/README.md).
 * `--split validation` carves a validation split out of the training pairs (one held-out item and
 * 99 sampled negatives per user, seeded) and evaluates on it, so hyper-parameters are chosen
 * without the test items; `both` reports validation, then test. `--order` reads the training
 * file's order as time (each user's items H hours apart, default 48), so the engine decays older
 * interactions as it does for real users; the format has no timestamps, so the default is none.
 * Prints HR@10 and NDCG@10 (and Recall@10 for full ranking), training and scoring time.
 */
import { USAGE, main } from "./eval/cli.js";

const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
main(argv).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
