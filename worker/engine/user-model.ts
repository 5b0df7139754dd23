import type { ContentKind, InteractionKind } from "../../server/domain/content/kinds.js";
import type { ContentItemRecord, InteractionRecord } from "../../server/domain/content/records.js";
import type { GeoPoint, ProfileFields } from "../../server/domain/users/profile.js";
import { AGE_GROUP_TAGS, ARCHETYPE_TAGS, RELATIONSHIP_TAGS } from "./profile-tags.js";
import { tagTerm, wordTerm, words } from "./terms.js";
import { DAY_MS, DEFAULT_WEIGHTS, decay, type EngineWeights } from "./weights.js";

/** Where a term of the user's vector came from; reasons quote it ("matches your interest in jazz"). */
export type TermSource = "interest" | "keyword" | "archetype" | "demographic" | "current-city" | "travel" | "history";

export interface UserTerm {
  /** Negative when the user's feedback on items carrying it was negative overall. */
  readonly weight: number;
  /** The source that gave the largest positive share of the weight. */
  readonly source: TermSource;
  /** What the reason quotes: the interest, keyword, archetype, city, tag, or (history) the item's title. */
  readonly label: string;
}

/** An item the user reacted to positively: a seed for collaborative filtering. */
export interface PositiveItem {
  readonly itemId: string;
  readonly title: string;
  /** Strongest decayed positive interaction weight. */
  readonly weight: number;
  /** The interaction that gave it. */
  readonly kind: InteractionKind;
}

export interface UserModel {
  readonly contentType: ContentKind;
  /** Term key ("tag:jazz", "word:jazz") → weight and origin. */
  readonly terms: ReadonlyMap<string, UserTerm>;
  /** Strongest first. */
  readonly positives: readonly PositiveItem[];
  /** Items never to recommend (see EngineWeights.exclude). */
  readonly excluded: ReadonlySet<string>;
  /** Item → score multiplier in (0, 1) from ignores and unclicked views. */
  readonly pushDown: ReadonlyMap<string, number>;
  /** The profile's location, used when ranking is given none. */
  readonly location?: GeoPoint;
  /** Nothing known about the user's taste: no profile terms and no positive interactions. */
  readonly coldStart: boolean;
}

export interface UserModelInput {
  readonly contentType: ContentKind;
  readonly profile?: Partial<ProfileFields>;
  /** The user's interactions, any content type, any order. */
  readonly interactions: readonly InteractionRecord[];
  /** The items those interactions refer to; interactions with items missing here only exclude or push down. */
  readonly items: readonly ContentItemRecord[];
  readonly now: Date;
  readonly weights?: EngineWeights;
  /** Names the city of a point (e.g. the server's reverse geocoder), for travel records without a name. */
  readonly cityOf?: (point: GeoPoint) => string | undefined;
}

const POSITIVE: readonly InteractionKind[] = ["save", "like", "share", "click"];
const VERDICTS: readonly InteractionKind[] = ["save", "like", "share", "dislike"];

class TermAccumulator {
  private readonly total = new Map<string, number>();
  private readonly best = new Map<string, { share: number; source: TermSource; label: string }>();

  add(term: string, weight: number, source: TermSource, label: string): void {
    if (weight === 0) return;
    this.total.set(term, (this.total.get(term) ?? 0) + weight);
    const current = this.best.get(term);
    if (weight > 0 && (!current || weight > current.share)) this.best.set(term, { share: weight, source, label });
  }

  /** A tag, and its words at the word weight, so "street food" also reaches items that only say "food". */
  addText(text: string, weight: number, wordVsTag: number, source: TermSource, label = text): void {
    this.add(tagTerm(text), weight, source, label);
    for (const w of new Set(words(text))) this.add(wordTerm(w), weight * wordVsTag, source, label);
  }

  result(): Map<string, UserTerm> {
    const out = new Map<string, UserTerm>();
    for (const [term, weight] of this.total) {
      if (Math.abs(weight) < 1e-9) continue;
      const origin = this.best.get(term) ?? { source: "history" as const, label: term.slice(term.indexOf(":") + 1) };
      out.set(term, { weight, source: origin.source, label: origin.label });
    }
    return out;
  }
}

/** "Lisbon, Portugal" → "lisbon": the catalog tags cities by name alone. */
function cityName(name: string | undefined): string | undefined {
  const city = name?.split(",")[0]?.trim().toLowerCase();
  return city ? city : undefined;
}

/**
 * The user's taste as a sparse term vector plus item-level rules, for one content type.
 * Cost: O(profile entries + interactions × tags per item).
 */
export function buildUserModel(input: UserModelInput): UserModel {
  const weights = input.weights ?? DEFAULT_WEIGHTS;
  const { profile = {}, contentType } = input;
  const now = input.now.getTime();
  const acc = new TermAccumulator();
  const p = weights.profile;

  for (const interest of profile.interests ?? []) acc.addText(interest, p.interest, weights.wordVsTag, "interest");
  for (const keyword of profile.keywords ?? []) acc.addText(keyword, p.keyword, weights.wordVsTag, "keyword");
  for (const archetype of profile.archetypes ?? []) {
    const tags = ARCHETYPE_TAGS[archetype as keyof typeof ARCHETYPE_TAGS] ?? [];
    for (const tag of tags) acc.add(tagTerm(tag), p.archetype, "archetype", archetype);
  }
  const demographic = [
    ...(profile.ageGroup ? AGE_GROUP_TAGS[profile.ageGroup] : []),
    ...(profile.relationshipStatus ? RELATIONSHIP_TAGS[profile.relationshipStatus] : []),
  ];
  for (const tag of demographic) acc.add(tagTerm(tag), p.demographic, "demographic", tag);

  // Cities tag films and music ("lisbon"); for places and events the distance already says where.
  const media = contentType === "music" || contentType === "movie";
  const here = cityName(profile.locationName) ?? (profile.location && cityName(input.cityOf?.(profile.location)));
  if (here && media) acc.addText(here, p.currentCity, weights.wordVsTag, "current-city");
  for (const trip of media ? (profile.travelHistory ?? []) : []) {
    const city = cityName(trip.locationName) ?? (trip.location && cityName(input.cityOf?.(trip.location)));
    if (!city) continue;
    // An undated trip counts as half a fresh one: it happened, but we cannot tell when.
    const fade = trip.visitTime ? decay(now - trip.visitTime.getTime(), weights.travelHalfLifeDays * DAY_MS) : 0.5;
    acc.addText(city, p.travelCity * fade, weights.wordVsTag, "travel");
  }

  const itemsById = new Map(input.items.map((item) => [item.id, item]));
  const byItem = new Map<string, InteractionRecord[]>();
  for (const it of input.interactions) {
    const list = byItem.get(it.contentItemId);
    if (list) list.push(it);
    else byItem.set(it.contentItemId, [it]);
  }

  const halfLife = weights.interactionHalfLifeDays * DAY_MS;
  const excluded = new Set<string>();
  const pushDown = new Map<string, number>();
  const positives: PositiveItem[] = [];
  for (const [itemId, list] of byItem) {
    list.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const kinds = new Set(list.map((it) => it.interactionType));
    const verdict = list.filter((it) => VERDICTS.includes(it.interactionType)).at(-1)?.interactionType;
    const itemType = list[0]!.contentType;
    // A later like overrides an earlier dislike: people change their minds.
    if (verdict === "dislike") excluded.add(itemId);
    else if (weights.exclude[itemType].some((kind) => kind !== "dislike" && kinds.has(kind))) excluded.add(itemId);

    // An impression only counts against an item the user never engaged with, and a negative
    // signal the user later contradicted with a positive action is forgotten.
    const engaged = POSITIVE.some((kind) => kinds.has(kind));
    let lastPositive = -Infinity;
    for (const it of list) if (weights.interactions[it.interactionType] > 0) lastPositive = it.createdAt.getTime();
    // Positives count once, at their strongest, so twenty clicks on one item do not outweigh a
    // save of another; negatives add up.
    let strongest = 0;
    let strongestKind: InteractionKind = "click";
    let against = 0;
    let negative = 0;
    for (const it of list) {
      const w = weights.interactions[it.interactionType];
      if (it.interactionType === "view" && engaged) continue;
      if (w < 0 && it.createdAt.getTime() < lastPositive) continue;
      const weighted = w * decay(now - it.createdAt.getTime(), halfLife);
      if (w > 0 && weighted > strongest) {
        strongest = weighted;
        strongestKind = it.interactionType;
      } else if (w < 0) against += weighted;
      if (it.interactionType === "ignore" || it.interactionType === "view") negative += weighted;
    }
    const feedback = strongest + against;
    if (negative < 0) pushDown.set(itemId, Math.exp(weights.pushDownStrength * negative));

    const item = itemsById.get(itemId);
    if (!item) continue;
    if (strongest > 0 && verdict !== "dislike") positives.push({ itemId, title: item.title, weight: strongest, kind: strongestKind });
    const transfer = item.contentType === contentType ? 1 : weights.crossTypeTransfer;
    // Spread over the tags so an item with eight tags does not teach eight times as much.
    const perTag = (feedback * transfer) / Math.sqrt(Math.max(1, item.tags.length));
    for (const tag of item.tags) acc.add(tagTerm(tag), perTag, "history", item.title);
  }
  positives.sort((a, b) => b.weight - a.weight || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));

  const terms = acc.result();
  const location = profile.location;
  return {
    contentType,
    terms,
    positives,
    excluded,
    pushDown,
    ...(location ? { location } : {}),
    coldStart: positives.length === 0 && ![...terms.values()].some((t) => t.weight > 0),
  };
}
