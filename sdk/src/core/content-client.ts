import { Code, type CallOptions, type Client } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { GeoPointSchema } from "../gen/stuckai/common/v1/common_pb.js";
import { ContentType } from "../gen/stuckai/common/v1/common_pb.js";
import {
  ContentService,
  InteractionType,
  RecommendationStatus,
  type ContentItem,
  type GetRecommendationsResponse,
  type LogInteractionRequestSchema,
  type LogInteractionResponse,
  type Recommendation,
  type WatchRecommendationsRequestSchema,
  type WatchRecommendationsResponse,
} from "../gen/stuckai/content/v1/content_pb.js";
import { canceled, type Clock } from "./clock.js";
import { StuckError } from "./errors.js";
import type { SessionManager } from "./session.js";
import { reconnecting, type ReconnectOptions } from "./watch.js";

export interface WatchOptions extends CallOptions {
  /** How to reconnect after the stream broke (the client's `watch` option by default); `false`: never. */
  readonly reconnect?: ReconnectOptions | false;
}

export interface RecommendationsForOptions {
  /** Wait for a GENERATING list to become READY (default true); false returns the first answer as it is. */
  readonly waitForReady?: boolean;
  /** Longest wait for READY, the first call included; then a `deadline_exceeded` StuckError. Default 30 s. */
  readonly timeoutMs?: number;
  readonly pageSize?: number;
  /** The caller's position, for places and events. */
  readonly location?: MessageInitShape<typeof GeoPointSchema>;
  readonly signal?: AbortSignal;
  readonly headers?: HeadersInit;
}

/** What an interaction is about: a recommendation or item as received, or an id. */
export type InteractionTarget =
  | Recommendation
  | ContentItem
  | { readonly recommendationId: string; readonly contentItemId?: string }
  | { readonly contentItemId: string; readonly recommendationId?: string };

/** Everything else LogInteraction takes: `data`, `device`, `location`, `idempotencyKey`. */
export type InteractionExtras = Omit<
  MessageInitShape<typeof LogInteractionRequestSchema>,
  "$typeName" | "recommendationId" | "contentItemId" | "interactionType"
>;

type Shortcut = (target: InteractionTarget, extras?: InteractionExtras, options?: CallOptions) => Promise<LogInteractionResponse>;

/** ContentService with a reconnecting watch, a wait-until-ready helper and one shortcut per interaction type. */
export interface StuckContentClient extends Omit<Client<typeof ContentService>, "watchRecommendations"> {
  /**
   * The caller's list of one content type, now and whenever it is regenerated, as an async
   * iterable. Reconnects with backoff after a dropped connection or a server restart; a message
   * the reconnected stream repeats is skipped. Ends when `options.signal` aborts or the loop exits.
   */
  watchRecommendations(
    request: MessageInitShape<typeof WatchRecommendationsRequestSchema>,
    options?: WatchOptions,
  ): AsyncIterable<WatchRecommendationsResponse>;
  /**
   * The caller's recommendations of one type. A READY answer returns at once; a GENERATING one is
   * followed on the watch stream until the list is ready (or `timeoutMs` passes).
   */
  recommendationsFor(contentType: ContentType, options?: RecommendationsForOptions): Promise<GetRecommendationsResponse>;
  view: Shortcut;
  click: Shortcut;
  like: Shortcut;
  dislike: Shortcut;
  ignore: Shortcut;
  save: Shortcut;
  share: Shortcut;
}

export interface ContentClientDeps {
  readonly clock: Clock;
  readonly random: () => number;
  readonly session: SessionManager | undefined;
  readonly reconnect: ReconnectOptions;
}

export function createContentClient(raw: Client<typeof ContentService>, deps: ContentClientDeps): StuckContentClient {
  const watchRecommendations: StuckContentClient["watchRecommendations"] = (request, options = {}) => {
    const { reconnect = deps.reconnect, signal, contextValues, ...callOptions } = options;
    return reconnecting({
      open: (streamSignal, values) => raw.watchRecommendations(request, { ...callOptions, signal: streamSignal, contextValues: values }),
      signal,
      contextValues,
      reconnect,
      clock: deps.clock,
      random: deps.random,
      session: deps.session,
      same: sameList,
    });
  };

  const log = (type: InteractionType): Shortcut => (target, extras, options) =>
    raw.logInteraction({ ...extras, ...targetIds(target), interactionType: type }, options);

  return {
    ...raw,
    watchRecommendations,
    async recommendationsFor(contentType, options = {}) {
      const { waitForReady = true, timeoutMs = 30_000, pageSize, location, signal, headers } = options;
      const request = { contentType, pageSize, location };
      const wait = new AbortController();
      const timer = setTimeout(() => wait.abort(new StuckError("timed out", Code.DeadlineExceeded)), timeoutMs);
      const onAbort = () => wait.abort(signal?.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      try {
        const first = await raw.getRecommendations(request, { signal: wait.signal, headers });
        if (first.status === RecommendationStatus.READY || !waitForReady) return first;
        for await (const update of watchRecommendations(request, { signal: wait.signal, headers })) {
          if (update.status !== RecommendationStatus.READY) continue;
          // The stream says READY; the canonical answer (source, page token) comes from Get.
          const ready = await raw.getRecommendations(request, { signal: wait.signal, headers });
          if (ready.status === RecommendationStatus.READY) return ready;
        }
      } catch (e) {
        if (!wait.signal.aborted) throw e;
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      }
      if (signal?.aborted) throw canceled(signal);
      throw new StuckError(`${ContentType[contentType] ?? contentType} recommendations were not ready within ${timeoutMs} ms`, Code.DeadlineExceeded);
    },
    view: log(InteractionType.VIEW),
    click: log(InteractionType.CLICK),
    like: log(InteractionType.LIKE),
    dislike: log(InteractionType.DISLIKE),
    ignore: log(InteractionType.IGNORE),
    save: log(InteractionType.SAVE),
    share: log(InteractionType.SHARE),
  };
}

function targetIds(target: InteractionTarget): { recommendationId?: string; contentItemId?: string } {
  if ("$typeName" in target) {
    return target.$typeName === "stuckai.content.v1.Recommendation" ? { recommendationId: target.id } : { contentItemId: target.id };
  }
  return { recommendationId: target.recommendationId, contentItemId: target.contentItemId };
}

function sameList(a: WatchRecommendationsResponse, b: WatchRecommendationsResponse): boolean {
  const t = (m: WatchRecommendationsResponse) => `${m.generateTime?.seconds ?? ""}.${m.generateTime?.nanos ?? ""}`;
  return (
    a.status === b.status &&
    a.contentType === b.contentType &&
    t(a) === t(b) &&
    a.recommendations.length === b.recommendations.length &&
    a.recommendations.every((r, i) => r.id === b.recommendations[i]?.id)
  );
}
