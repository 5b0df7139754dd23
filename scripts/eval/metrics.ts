/** Leave-one-out ranking metrics: one held-out item per user. */

/** 1 when the 0-based rank is inside the top k. */
export function hitAt(rank: number, k: number): number {
  return rank >= 0 && rank < k ? 1 : 0;
}

/** 1 / log2(rank + 2) inside the top k (the ideal DCG of one relevant item is 1), else 0. */
export function ndcgAt(rank: number, k: number): number {
  return rank >= 0 && rank < k ? 1 / Math.log2(rank + 2) : 0;
}

/** Running means over users. */
export class MetricSum {
  users = 0;
  private hits = 0;
  private gains = 0;
  constructor(private readonly k: number) {}

  /** `rank` is the held-out item's 0-based position in the user's list, or −1 when it is missing. */
  add(rank: number): void {
    this.users++;
    this.hits += hitAt(rank, this.k);
    this.gains += ndcgAt(rank, this.k);
  }

  get hr(): number {
    return this.users === 0 ? 0 : this.hits / this.users;
  }

  get ndcg(): number {
    return this.users === 0 ? 0 : this.gains / this.users;
  }
}
