import type { InteractionRecord } from "../../server/domain/content/records.js";
import { decay, type EngineWeights } from "./weights.js";

const VERDICTS = new Set(["save", "like", "share", "dislike"]);

/**
 * What one user's interactions with one item say, as item similarity and MF read them: the strongest
 * positive interaction's weight (EngineWeights.interactions), decayed by age when there is a clock,
 * and whether the latest verdict is a dislike.
 */
export class ItemPreference {
  /** Strongest decayed positive weight so far. */
  pref = 0;
  private verdictAt = -Infinity;
  private disliked = false;

  /** Folds one more interaction in; order does not matter. `now` undefined: no decay. */
  add(it: InteractionRecord, weights: EngineWeights, now: number | undefined, halfLifeMs: number): void {
    const at = it.createdAt.getTime();
    const w = weights.interactions[it.interactionType];
    if (w > 0) this.pref = Math.max(this.pref, w * (now === undefined ? 1 : decay(now - at, halfLifeMs)));
    if (VERDICTS.has(it.interactionType) && at >= this.verdictAt) {
      this.verdictAt = at;
      this.disliked = it.interactionType === "dislike";
    }
  }

  /** A positive preference not overruled by a later dislike. */
  get kept(): boolean {
    return this.pref > 0 && !this.disliked;
  }
}
