import { EventEmitter } from "node:events";
import type { ListEventListener, ListEvents, ListEventsOptions, ListReadyEvent } from "../../domain/ports/list-events.js";
import { asError } from "../redis-calls.js";
import { toWire } from "./list-event-shape.js";

/**
 * "List ready" events inside one process (the embedded default), with the Redis adapter's
 * semantics: delivery is asynchronous and in publish order, listeners get a frozen copy, and a
 * throwing listener is reported without affecting the publisher or the other listeners.
 * Instances built on one `bus` behave like processes sharing one Redis (used by the contract tests).
 */
export class InProcessListEvents implements ListEvents {
  /** This instance's handlers on the bus, by user, so close() removes exactly these. */
  private readonly handlers = new Map<string, Set<(event: ListReadyEvent) => void>>();
  private closed = false;

  constructor(
    private readonly bus: EventEmitter = unboundedBus(),
    private readonly options: ListEventsOptions = {},
  ) {}

  async publish(event: ListReadyEvent): Promise<void> {
    const copy = Object.freeze(toWire(event));
    setImmediate(() => this.bus.emit(eventName(copy.userId), copy));
  }

  async subscribe(userId: string, listener: ListEventListener): Promise<() => Promise<void>> {
    if (this.closed) throw new Error("list events closed");
    if (userId.length === 0) throw new RangeError("user id must not be empty");
    const handler = (event: ListReadyEvent) => {
      try {
        listener(event);
      } catch (err) {
        this.options.onError?.(asError(err));
      }
    };
    let set = this.handlers.get(userId);
    if (!set) {
      set = new Set();
      this.handlers.set(userId, set);
    }
    set.add(handler);
    this.bus.on(eventName(userId), handler);
    return async () => {
      this.bus.off(eventName(userId), handler);
      const current = this.handlers.get(userId);
      current?.delete(handler);
      if (current?.size === 0) this.handlers.delete(userId);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const [userId, set] of this.handlers) for (const handler of set) this.bus.off(eventName(userId), handler);
    this.handlers.clear();
  }
}

/** A bus for several instances; streams per user are not a leak, so no listener-count warning. */
export function unboundedBus(): EventEmitter {
  return new EventEmitter().setMaxListeners(0);
}

function eventName(userId: string): string {
  return `list-ready:${userId}`;
}
