import { describe, expect, it } from "vitest";
import { IDEMPOTENCY_WINDOW_MS, Interactions, type InteractionLog } from "../../../../server/domain/content/interactions.js";
import type { InteractionRecord } from "../../../../server/domain/content/records.js";

const ITEM = "11111111-1111-4111-8111-111111111111";

/** An in-memory store with the same idempotency semantics as the ORM one. */
function memoryLog(): InteractionLog & { rows: InteractionRecord[] } {
  const rows: InteractionRecord[] = [];
  return {
    rows,
    itemContentType: async (id) => (id === ITEM ? "movie" : undefined),
    recommendedItem: async () => undefined,
    async insert(record, since) {
      const earlier = rows.find((r) => r.userId === record.userId && r.idempotencyKey === record.idempotencyKey && record.idempotencyKey);
      if (earlier && earlier.createdAt >= since) return { id: earlier.id, duplicate: true };
      rows.push(record);
      return { id: record.id, duplicate: false };
    },
  };
}

describe("Interactions", () => {
  it("dedupes a key for 24 hours, then records anew, and tells afterLog which happened", async () => {
    let now = new Date("2026-01-01T00:00:00Z");
    const store = memoryLog();
    const seen: boolean[] = [];
    const log = new Interactions({ store, now: () => now, afterLog: async (_r, duplicate) => void seen.push(duplicate) });
    const input = { contentItemId: ITEM, interactionType: "like", idempotencyKey: "k1" };
    const first = await log.log("u", input);
    now = new Date(now.getTime() + IDEMPOTENCY_WINDOW_MS - 1);
    expect(await log.log("u", input)).toEqual({ id: first.id, duplicate: true });
    now = new Date(now.getTime() + 2);
    const later = await log.log("u", input);
    expect(later.id).not.toBe(first.id);
    expect(store.rows).toHaveLength(2);
    expect(seen).toEqual([false, true, false]);
  });
});
