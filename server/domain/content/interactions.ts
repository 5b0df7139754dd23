import { randomUUID } from "node:crypto";
import { UUID } from "../ids.js";
import { DomainError, Violations } from "../errors.js";
import { textProblem, textProblemIn } from "../text.js";
import { pointViolations, type GeoPoint } from "../geo/geo-point.js";
import { INTERACTION_KINDS, type ContentKind, type InteractionKind } from "./kinds.js";
import type { InteractionRecord } from "./records.js";

/** A retry with the same idempotency key within this window records nothing new. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;
export const INTERACTION_LIMITS = { dataBytes: 16 * 1024, deviceLength: 100, idempotencyKeyLength: 128 } as const;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]+$/; // printable ASCII, no spaces

export interface LogInteractionInput {
  readonly recommendationId?: string;
  readonly contentItemId?: string;
  /** undefined or an unknown value is a field violation. */
  readonly interactionType?: InteractionKind | string;
  readonly data?: Readonly<Record<string, unknown>>;
  readonly device?: string;
  readonly location?: GeoPoint;
  readonly idempotencyKey?: string;
}

/** The interaction store port (writes); `insert` is atomic with respect to the idempotency key. */
export interface InteractionLog {
  /** The item's content type, or undefined when there is no such item. */
  itemContentType(itemId: string): Promise<ContentKind | undefined>;
  /** The item of one of the user's stored recommendations, or undefined. */
  recommendedItem(userId: string, recommendationId: string): Promise<string | undefined>;
  /**
   * Stores the interaction unless the user already logged one with the same idempotency key since
   * `dedupeSince`; then returns that one's id. An older use of the key is forgotten.
   */
  insert(record: InteractionRecord, dedupeSince: Date): Promise<{ id: string; duplicate: boolean }>;
}

/**
 * Records what users do with items. The row is in the database before the call answers; what
 * follows (cache staleness, analytics jobs) hangs on `afterLog`, wired by the content flow.
 */
export class Interactions {
  constructor(
    private readonly deps: {
      store: InteractionLog;
      afterLog?: (record: InteractionRecord, duplicate: boolean) => Promise<void>;
      now?: () => Date;
    },
  ) {}

  async log(userId: string, input: LogInteractionInput): Promise<{ id: string; duplicate: boolean }> {
    const v = new Violations();
    const recId = input.recommendationId?.trim() || undefined;
    const itemIdIn = input.contentItemId?.trim() || undefined;
    if (!recId && !itemIdIn) v.add("content_item_id", "one of recommendation_id and content_item_id is required");
    const type = input.interactionType;
    if (!type) v.add("interaction_type", "is required");
    else if (!(INTERACTION_KINDS as readonly string[]).includes(type)) v.add("interaction_type", "is not a known interaction type");
    if (input.data && Buffer.byteLength(JSON.stringify(input.data)) > INTERACTION_LIMITS.dataBytes) {
      v.add("data", `must be at most ${INTERACTION_LIMITS.dataBytes} bytes as JSON`);
    }
    const dataProblem = input.data ? textProblemIn(input.data) : undefined;
    if (dataProblem) v.add("data", dataProblem);
    const device = input.device?.trim() || undefined;
    if (device && device.length > INTERACTION_LIMITS.deviceLength) {
      v.add("device", `must be at most ${INTERACTION_LIMITS.deviceLength} characters`);
    }
    const deviceProblem = device ? textProblem(device) : undefined;
    if (deviceProblem) v.add("device", deviceProblem);
    if (input.location) for (const bad of pointViolations(input.location, "location")) v.add(bad.field, bad.description);
    const key = input.idempotencyKey || undefined;
    if (key && (key.length > INTERACTION_LIMITS.idempotencyKeyLength || !IDEMPOTENCY_KEY.test(key))) {
      v.add("idempotency_key", `must be 1–${INTERACTION_LIMITS.idempotencyKeyLength} printable ASCII characters without spaces`);
    }
    v.throwIfAny();

    const itemId = await this.resolveItem(userId, recId, itemIdIn);
    const contentType = UUID.test(itemId) ? await this.deps.store.itemContentType(itemId.toLowerCase()) : undefined;
    if (!contentType) {
      throw new DomainError("not_found", "NOT_FOUND", `no content item with id "${itemId}"`, { metadata: { field: "content_item_id" } });
    }
    const now = (this.deps.now ?? (() => new Date()))();
    const record: InteractionRecord = {
      id: randomUUID(),
      userId,
      contentItemId: itemId.toLowerCase(),
      recommendationId: recId ?? null,
      contentType,
      interactionType: type as InteractionKind,
      data: input.data ?? null,
      device: device ?? null,
      latitude: input.location?.latitude ?? null,
      longitude: input.location?.longitude ?? null,
      idempotencyKey: key ?? null,
      createdAt: now,
    };
    const result = await this.deps.store.insert(record, new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS));
    await this.deps.afterLog?.({ ...record, id: result.id }, result.duplicate);
    return result;
  }

  /** The item of a recommendation must be the caller's own; with both ids given they must agree. */
  private async resolveItem(userId: string, recId: string | undefined, itemId: string | undefined): Promise<string> {
    if (!recId) return itemId!;
    const recommended = UUID.test(recId) ? await this.deps.store.recommendedItem(userId, recId.toLowerCase()) : undefined;
    if (!recommended) {
      throw new DomainError("not_found", "NOT_FOUND", `no recommendation with id "${recId}" for this user`, {
        metadata: { field: "recommendation_id" },
      });
    }
    if (itemId && itemId.toLowerCase() !== recommended) {
      throw new DomainError("invalid_argument", "VALIDATION_ERROR", "content_item_id is not the item of recommendation_id", {
        violations: [{ field: "content_item_id", description: "must be the item of recommendation_id, or left empty" }],
      });
    }
    return recommended;
  }
}
