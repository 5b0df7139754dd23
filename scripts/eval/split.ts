/**
 * A validation split carved from the training pairs, in the shape of the test split, so
 * hyper-parameters are tuned without looking at the test items: per user, one training item
 * (drawn at random, seeded, or the first or last in file order) is held out, with `negatives` items the user never interacted with
 * (neither in training nor in the test) as sampled candidates, shuffled.
 */
import { seededRandom } from "../../worker/engine/synthetic-catalog.js";
import type { EvalDataset, Pair } from "./dataset.js";

export interface Split {
  readonly train: readonly Pair[];
  readonly test: ReadonlyMap<string, string>;
  readonly candidates: ReadonlyMap<string, readonly string[]>;
}

export interface ValidationOptions {
  readonly seed: number;
  /** Sampled negatives per user (99 in the NCF protocol). */
  readonly negatives: number;
  /**
   * Which training item is held out: a random one, or the user's first or last in file order
   * (a file that lists each user's items by time makes one of these the latest, like the test).
   */
  readonly holdout?: "random" | "first" | "last";
}

/**
 * Users with a single training item keep it (they are not validated). Negatives are drawn
 * uniformly, without replacement, from every item the data set names; a user who interacted with
 * nearly all of them gets fewer.
 */
export function validationSplit(data: EvalDataset, options: ValidationOptions): Split {
  const random = seededRandom(options.seed);
  const allItems = [...new Set([...data.items.map((i) => i.id), ...data.train.map((p) => p.item), ...data.test.values()])];
  const byUser = new Map<string, string[]>();
  for (const { user, item } of data.train) {
    const list = byUser.get(user);
    if (list) list.push(item);
    else byUser.set(user, [item]);
  }
  const heldOut = new Map<string, string>();
  const candidates = new Map<string, readonly string[]>();
  for (const [user, items] of byUser) {
    const distinct = [...new Set(items)];
    if (distinct.length < 2) continue;
    const holdout = options.holdout ?? "random";
    const held =
      holdout === "first" ? distinct[0]! : holdout === "last" ? distinct.at(-1)! : distinct[Math.floor(random() * distinct.length)]!;
    heldOut.set(user, held);
    const seen = new Set(distinct);
    const testItem = data.test.get(user);
    if (testItem !== undefined) seen.add(testItem);
    const room = allItems.length - seen.size;
    const want = Math.min(options.negatives, room);
    const picked = new Set<string>();
    // Rejection sampling: fine while the user has seen a minority of the catalog.
    if (room > 2 * want) {
      while (picked.size < want) {
        const c = allItems[Math.floor(random() * allItems.length)]!;
        if (!seen.has(c)) picked.add(c);
      }
    } else {
      const pool = allItems.filter((c) => !seen.has(c));
      shuffle(pool, random);
      for (const c of pool.slice(0, want)) picked.add(c);
    }
    const list = [held, ...picked];
    shuffle(list, random);
    candidates.set(user, list);
  }
  const train = data.train.filter((p) => heldOut.get(p.user) !== p.item);
  return { train, test: heldOut, candidates };
}

function shuffle<T>(list: T[], random: () => number): void {
  for (let k = list.length - 1; k > 0; k--) {
    const j = Math.floor(random() * (k + 1));
    [list[k], list[j]] = [list[j]!, list[k]!];
  }
}
