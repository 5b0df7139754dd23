import type { InteractionKind } from "../../server/domain/content/kinds.js";

/** Positive engagements at which an item is about 63% of the way to the most popular (1 − 1/e). */
export const POPULARITY_SCALE = 25;

/**
 * An item's popularity in [0, 1] from its recent interaction counts: engagement (likes, saves and
 * shares count 1, clicks ½, dislikes −1) saturating towards 1, scaled by the click-through rate of
 * its views (Laplace-smoothed, so a few views say little) between ×0.5 and ×1.5. An item nobody
 * engaged with stays at 0.
 */
export function popularity(counts: Partial<Record<InteractionKind, number>>): number {
  const c = (kind: InteractionKind) => counts[kind] ?? 0;
  const positive = c("like") + c("save") + c("share") + 0.5 * c("click") - c("dislike");
  if (positive <= 0) return 0;
  const engagement = 1 - Math.exp(-positive / POPULARITY_SCALE);
  const ctr = (c("click") + 1) / (c("view") + c("click") + 2);
  return Math.min(1, engagement * (0.5 + ctr));
}
