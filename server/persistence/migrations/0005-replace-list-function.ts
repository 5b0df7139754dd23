import { SchemaMigration } from "./schema-migration.js";

/**
 * Postgres: replacing a stored list becomes one call, `replace_recommendation_list`, instead of a
 * transaction of five round trips (begin, lock, delete, insert, commit) whose row building in the
 * ORM cost more than the writes. A statement is its own transaction, so the call is as atomic as
 * the transaction was. SQLite keeps the ORM path (it has no functions, and serialises writers).
 */
export class Migration0005ReplaceListFunction extends SchemaMigration {
  override up(): void {
    if (!this.postgres()) return;
    this.addSql(`
create function replace_recommendation_list(
  p_user uuid, p_type varchar, p_geohash varchar, p_generated timestamptz, p_expires timestamptz, p_entries jsonb,
  p_basis timestamptz
) returns boolean language plpgsql as $$
begin
  -- A list made from a profile that has changed since (p_basis: the profile's updated_at the list was
  -- ranked from) is not stored: the change's hook already deleted the user's lists. The share lock
  -- waits for a profile update in flight, so its hook's delete cannot run before this insert.
  if p_basis is not null and exists (
    select 1 from user_profiles where user_id = p_user and date_trunc('milliseconds', updated_at) > p_basis for share
  ) then
    return false;
  end if;
  -- A list is derived data any request regenerates: this transaction does not wait for its WAL flush.
  perform set_config('synchronous_commit', 'off', true);
  -- Two writers of one list run one after the other, so the table never holds two sets of one key
  -- (the same lock key as the transaction this replaces, so both can run side by side in a rollout).
  perform pg_advisory_xact_lock(hashtext('recommendations:' || p_user || ':' || p_type || ':' || p_geohash));
  delete from content_recommendations where user_id = p_user and content_type = p_type and geohash = p_geohash;
  insert into content_recommendations
    (id, user_id, content_item_id, content_type, relevance_score, ranking_position, reasons, distance_km, geohash, generated_at, expires_at)
  select e.id, p_user, e.item, p_type, e.score, e.position, e.reasons, e.km, p_geohash, p_generated, p_expires
  from jsonb_to_recordset(p_entries) as e(id uuid, item uuid, score double precision, position integer, reasons jsonb, km double precision);
  return true;
end
$$`);
  }

  override down(): void {
    if (!this.postgres()) return;
    this.addSql("drop function replace_recommendation_list(uuid, varchar, varchar, timestamptz, timestamptz, jsonb, timestamptz)");
  }
}
