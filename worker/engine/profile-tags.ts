import type { AgeGroupKind, Archetype, RelationshipKind } from "../../server/domain/users/profile.js";

/**
 * What each traveller archetype is likely to enjoy, written in the catalog's tag vocabulary
 * (catalog/starter/README.md) so the tags match items of every type: "night-owl" reaches jazz
 * clubs, late-night albums and club nights alike. First tags are the most characteristic.
 */
export const ARCHETYPE_TAGS: Readonly<Record<Archetype, readonly string[]>> = {
  foodie: ["food", "street food", "market", "restaurant", "local favourite", "seafood", "dessert", "wine", "coffee"],
  adventurer: ["outdoors", "adventure", "hiking", "road movie", "road trip", "travel", "sport", "viewpoint"],
  "culture-seeker": ["history", "museum", "art", "architecture", "classical", "opera", "theatre", "literature", "modern art"],
  "night-owl": ["nightlife", "late-night", "live music", "jazz", "clubbing", "cocktails", "electronic", "techno", "party"],
  "nature-lover": ["outdoors", "park", "beach", "hiking", "sunset", "waterfront", "viewpoint", "calm"],
  family: ["family", "feel-good", "animation", "park", "museum"],
  romantic: ["romantic", "romance", "sunset", "wine", "viewpoint", "dreamy"],
  budget: ["budget", "street food", "market", "local favourite", "park"],
  luxury: ["luxury", "cocktails", "wine", "design", "opera"],
  // Short stays between meetings: the unmissable sight, a good coffee, a drink after work.
  business: ["iconic", "coffee", "cocktails", "design", "rainy day"],
};

/** Mild nudges only (see EngineWeights.profile.demographic); most groups say nothing about taste. */
export const AGE_GROUP_TAGS: Readonly<Record<AgeGroupKind, readonly string[]>> = {
  under_18: ["family", "animation", "feel-good"],
  "18_to_24": ["nightlife", "budget", "party"],
  "25_to_34": [],
  "35_to_44": [],
  "45_to_54": [],
  "55_to_64": ["history", "classical"],
  "65_and_over": ["history", "classical", "classic"],
};

export const RELATIONSHIP_TAGS: Readonly<Record<RelationshipKind, readonly string[]>> = {
  single: ["nightlife"],
  in_relationship: ["romantic", "romance"],
  married: ["romantic", "romance", "family"],
  prefer_not_to_say: [],
};
