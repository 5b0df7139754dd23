import type { ContentKind } from "../content/kinds.js";

/** A freshly generated list is in the cache and the database. */
export interface ListReadyEvent {
  readonly userId: string;
  readonly contentType: ContentKind;
  /** The cell the list was ranked for (places and events located by the caller). */
  readonly geohash?: string;
  /** Epoch ms: a number, not a Date, because the event crosses processes as JSON. */
  readonly generatedAt: number;
}

export type ListEventListener = (event: ListReadyEvent) => void;

/**
 * "List ready" notifications from the worker that generated a list to the API processes streaming
 * live updates to that user. At-most-once: an event published while a subscriber is disconnected is
 * lost, so an event is a hint to re-read the cache, and a stream re-reads it after (re)subscribing.
 * Listeners run in the subscribing process and must not throw (a throw is reported, not propagated).
 */
export interface ListEvents {
  publish(event: ListReadyEvent): Promise<void>;
  /** Resolves once events published afterwards will be delivered; the result unsubscribes this listener. */
  subscribe(userId: string, listener: ListEventListener): Promise<() => Promise<void>>;
  /** Drops every subscription of this process and releases its connection. */
  close(): Promise<void>;
}

export interface ListEventsOptions {
  /** A listener threw, or a message could not be read. */
  readonly onError?: (err: Error) => void;
}
