import { CONTENT_KINDS, type ContentKind } from "../../domain/content/kinds.js";
import type { ListReadyEvent } from "../../domain/ports/list-events.js";

/** The event as sent, after checking it: only the known fields, so a caller's extra properties never cross processes. */
export function toWire(event: ListReadyEvent): ListReadyEvent {
  checkEvent(event);
  return {
    userId: event.userId,
    contentType: event.contentType,
    ...(event.geohash === undefined ? {} : { geohash: event.geohash }),
    generatedAt: event.generatedAt,
  };
}

/** The event received, frozen so the listeners of one process cannot change what the others see. */
export function fromWire(value: unknown): ListReadyEvent {
  return Object.freeze(toWire(value as ListReadyEvent));
}

function checkEvent(e: ListReadyEvent): void {
  const ok =
    typeof e === "object" &&
    e !== null &&
    typeof e.userId === "string" &&
    e.userId.length > 0 &&
    CONTENT_KINDS.includes(e.contentType as ContentKind) &&
    (e.geohash === undefined || typeof e.geohash === "string") &&
    Number.isFinite(e.generatedAt);
  if (!ok) throw new TypeError(`not a list-ready event: ${JSON.stringify(e)}`);
}
