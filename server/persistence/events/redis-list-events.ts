import type { Redis } from "ioredis";
import type { ListEventListener, ListEvents, ListEventsOptions, ListReadyEvent } from "../../domain/ports/list-events.js";
import { asError, firstConnection, withTimeout } from "../redis-calls.js";
import { fromWire, toWire } from "./list-event-shape.js";

export interface RedisListEventsOptions extends ListEventsOptions {
  /** Channel prefix, e.g. `stuckai:events:`; lets deployments and tests share one Redis. */
  readonly prefix: string;
  /** Publish and (un)subscribe give up after this, so a hung Redis cannot stall a request. */
  readonly timeoutMs?: number;
}

/** One listener registration: an object per call, so the same function subscribed twice is two listeners. */
interface Registration {
  readonly listener: ListEventListener;
}

/**
 * "List ready" events over Redis pub/sub, one channel per user: `{prefix}list-ready:{userId}`.
 * Per-user channels let Redis route each event only to the processes streaming to that user; one
 * shared channel would send every event to every API process to be filtered there, so traffic
 * would grow with processes × all users' events. Channels cost Redis nothing while unsubscribed.
 *
 * Each process holds one subscriber connection (a duplicate of the connection passed in, which keeps
 * publishing) and subscribes a user's channel while it has at least one listener for that user,
 * fanning messages out to them in-process. ioredis re-subscribes after a reconnect; events published
 * in between are lost, as the port allows.
 */
export class RedisListEvents implements ListEvents {
  private readonly listeners = new Map<string, Set<Registration>>();
  /** Users whose channel the subscriber connection is subscribed to, or is being subscribed to. */
  private readonly subscribed = new Set<string>();
  /** Per user, the last subscribe/unsubscribe in flight: changes for one channel apply in order. */
  private readonly pending = new Map<string, Promise<void>>();
  private readonly connected: Promise<void> | undefined;
  private readonly timeoutMs: number;
  private subscriber: Promise<Redis> | undefined;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisListEventsOptions,
  ) {
    this.connected = firstConnection(redis);
    this.timeoutMs = options.timeoutMs ?? 2_000;
  }

  async publish(event: ListReadyEvent): Promise<void> {
    const message = JSON.stringify(toWire(event));
    const send = async () => {
      if (this.connected && this.redis.status !== "ready") await this.connected;
      await this.redis.publish(this.channel(event.userId), message);
    };
    await withTimeout(send(), this.timeoutMs, `list events: Redis did not take the event within ${this.timeoutMs} ms`);
  }

  async subscribe(userId: string, listener: ListEventListener): Promise<() => Promise<void>> {
    if (this.closed) throw new Error("list events closed");
    if (userId.length === 0) throw new RangeError("user id must not be empty");
    const registration: Registration = { listener };
    let registrations = this.listeners.get(userId);
    if (!registrations) {
      registrations = new Set();
      this.listeners.set(userId, registrations);
    }
    registrations.add(registration);
    const remove = () => {
      const set = this.listeners.get(userId);
      set?.delete(registration);
      if (set?.size === 0) this.listeners.delete(userId);
      return this.reconcile(userId);
    };
    try {
      await this.reconcile(userId);
    } catch (err) {
      void remove().catch(() => {});
      throw err;
    }
    let removed: Promise<void> | undefined;
    return () => (removed ??= remove());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    const subscriber = await this.subscriber?.catch(() => undefined);
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
  }

  /** Brings the channel's subscription in line with whether the user has listeners here. */
  private reconcile(userId: string): Promise<void> {
    const previous = this.pending.get(userId) ?? Promise.resolve();
    const next = previous
      .catch(() => {})
      .then(async () => {
        // Closing quits the subscriber connection, which ends every subscription at once.
        if (this.closed) return;
        const wanted = this.listeners.has(userId);
        if (wanted === this.subscribed.has(userId)) return;
        const subscriber = await this.subscriberConnection();
        const channel = this.channel(userId);
        if (wanted) {
          this.subscribed.add(userId);
          try {
            await withTimeout(subscriber.subscribe(channel), this.timeoutMs, `list events: Redis did not confirm the subscription within ${this.timeoutMs} ms`);
          } catch (err) {
            // Recorded as not subscribed so the next subscribe tries again; a late success only leaves
            // a channel with no listeners here, whose messages are dropped.
            this.subscribed.delete(userId);
            throw err;
          }
        } else {
          this.subscribed.delete(userId);
          await withTimeout(subscriber.unsubscribe(channel), this.timeoutMs, `list events: Redis did not confirm the unsubscription within ${this.timeoutMs} ms`);
        }
      });
    this.pending.set(userId, next);
    const settle = () => {
      if (this.pending.get(userId) === next) this.pending.delete(userId);
    };
    next.then(settle, settle);
    return next;
  }

  private subscriberConnection(): Promise<Redis> {
    this.subscriber ??= (async () => {
      const subscriber = this.redis.duplicate();
      subscriber.on("error", () => {}); // reported through the calls that fail; reconnects on its own
      subscriber.on("message", (channel: string, message: string) => this.deliver(channel, message));
      const ready = firstConnection(subscriber);
      try {
        if (ready) await withTimeout(ready, this.timeoutMs, `list events: no subscriber connection within ${this.timeoutMs} ms`);
      } catch (err) {
        subscriber.disconnect();
        throw err;
      }
      return subscriber;
    })();
    const subscriber = this.subscriber;
    // A failed first connection is retried by the next subscribe, not cached forever.
    subscriber.catch(() => {
      if (this.subscriber === subscriber) this.subscriber = undefined;
    });
    return subscriber;
  }

  private deliver(channel: string, message: string): void {
    const userId = channel.slice(this.channel("").length);
    const registrations = this.listeners.get(userId);
    if (!registrations) return;
    let event: ListReadyEvent;
    try {
      event = fromWire(JSON.parse(message));
      if (event.userId !== userId) throw new Error(`event for ${event.userId} on the channel of ${userId}`);
    } catch (err) {
      this.options.onError?.(asError(err));
      return;
    }
    for (const { listener } of [...registrations]) {
      try {
        listener(event);
      } catch (err) {
        this.options.onError?.(asError(err));
      }
    }
  }

  private channel(userId: string): string {
    return `${this.options.prefix}list-ready:${userId}`;
  }
}
