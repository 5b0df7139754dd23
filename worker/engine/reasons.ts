import type { InteractionKind } from "../../server/domain/content/kinds.js";
import type { UserTerm } from "./user-model.js";
import { HOUR_MS } from "./weights.js";

/** The wording of each archetype in "suits …" (the bare slug reads badly for some). */
const ARCHETYPE_PHRASES: Readonly<Record<string, string>> = {
  foodie: "a foodie",
  adventurer: "an adventurer",
  "culture-seeker": "a culture seeker",
  "night-owl": "a night owl",
  "nature-lover": "a nature lover",
  family: "a family trip",
  romantic: "a romantic",
  budget: "a budget traveller",
  luxury: "a taste for luxury",
  business: "a business trip",
};

function titleCase(s: string): string {
  return s.replace(/(^|[\s-])(\p{L})/gu, (_, sep: string, c: string) => sep + c.toUpperCase());
}

/**
 * Why a matching term of the user's vector matters, in the user's own words. Age group and
 * relationship status only nudge; quoting them back ("fits your profile: family") reads as
 * intrusive, so they give no reason.
 */
export function termReason(term: UserTerm): string | undefined {
  switch (term.source) {
    case "interest":
      return `matches your interest in ${term.label}`;
    case "keyword":
      return `matches your keyword “${term.label}”`;
    case "archetype":
      return `suits ${ARCHETYPE_PHRASES[term.label] ?? term.label}`;
    case "demographic":
      return undefined;
    case "current-city":
      return `connected to ${titleCase(term.label)}, where you are`;
    case "travel":
      return `connected to ${titleCase(term.label)}, where you have travelled`;
    case "history":
      return `similar to ${term.label}`;
  }
}

export function kmText(km: number): string {
  return km < 10 ? `${Math.max(0.1, Math.round(km * 10) / 10).toFixed(1)} km` : `${Math.round(km)} km`;
}

export function distanceReason(km: number): string {
  return `${kmText(km)} away`;
}

/** Said on items beyond the starting radius, so a far suggestion is not a surprise. */
export function widenedReason(nearestKm: number, startKm: number, radiusKm: number): string {
  return nearestKm > startKm
    ? `nearest matches are ${kmText(nearestKm)} away`
    : `few matches within ${kmText(startKm)}, so the search widened to ${kmText(radiusKm)}`;
}

export function soonnessReason(startMs: number, endMs: number, now: number): string | undefined {
  if (Number.isNaN(startMs)) return undefined;
  if (startMs <= now) return endMs - now < HOUR_MS ? "on now, ending soon" : "on now";
  const hours = (startMs - now) / HOUR_MS;
  if (hours < 1) return `starts in ${Math.max(1, Math.round(hours * 60))} minutes`;
  if (hours < 36) {
    const h = Math.round(hours);
    return `starts in ${h} hour${h === 1 ? "" : "s"}`;
  }
  return `starts in ${Math.round(hours / 24)} days`;
}

/** For an item the user already reacted to (a saved place shown again as a reminder). */
export function ownReason(kind: InteractionKind): string {
  switch (kind) {
    case "save":
      return "you saved this";
    case "like":
      return "you liked this";
    case "share":
      return "you shared this";
    default:
      return "you looked at this before";
  }
}

export const POPULAR_REASON = "popular right now";

export function collaborativeReason(title: string): string {
  return `people who liked ${title} liked this`;
}

/** When the MF model rates the item high for this user: no single item to name, a shared taste. */
export const TASTE_REASON = "loved by travellers with tastes like yours";

/** For a list with nothing personal to say yet (cold start, media). */
export const STARTER_REASON = "a varied pick to get you started";
