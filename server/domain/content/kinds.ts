/** Content and interaction kinds as the domain and the database name them (proto enums are mapped in handlers). */
export const CONTENT_KINDS = ["music", "movie", "event", "place"] as const;
export type ContentKind = (typeof CONTENT_KINDS)[number];

export const INTERACTION_KINDS = ["view", "click", "like", "dislike", "ignore", "save", "share"] as const;
export type InteractionKind = (typeof INTERACTION_KINDS)[number];
