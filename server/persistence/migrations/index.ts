import { Migration0001UsersAndRefreshTokens } from "./0001-users-and-refresh-tokens.js";
import { Migration0002ProfilesContentInteractions } from "./0002-profiles-content-interactions.js";
import { Migration0003InteractionAnalyticsIndex } from "./0003-interaction-analytics-index.js";
import { Migration0004ModelSnapshots } from "./0004-model-snapshots.js";
import { Migration0005ReplaceListFunction } from "./0005-replace-list-function.js";

/** Every migration, oldest first. Names are recorded in `mikro_orm_migrations`; never rename one. */
export const migrations = [
  { name: "0001-users-and-refresh-tokens", class: Migration0001UsersAndRefreshTokens },
  { name: "0002-profiles-content-interactions", class: Migration0002ProfilesContentInteractions },
  { name: "0003-interaction-analytics-index", class: Migration0003InteractionAnalyticsIndex },
  { name: "0004-model-snapshots", class: Migration0004ModelSnapshots },
  { name: "0005-replace-list-function", class: Migration0005ReplaceListFunction },
];
