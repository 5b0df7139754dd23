import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { validationError } from "../errors.js";
import type { HistoryCursor, InteractionFilter } from "./interaction-history.js";

const MAC_BYTES = 16;

interface Payload {
  /** User the token was issued to. */
  u: string;
  /** Hash of the filters the token was issued for. */
  f: string;
  /** Cursor: created_at in epoch milliseconds and id of the last interaction of the page. */
  t: number;
  i: string;
}

/**
 * Opaque, tamper-proof AIP-158 page tokens for the interaction history: base64url of a JSON
 * payload followed by a truncated HMAC-SHA256. The token is bound to its user and filters, so a
 * token can neither be forged nor replayed against someone else's history or another query.
 */
export class PageTokens {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error("page token key must be at least 32 bytes");
  }

  encode(userId: string, filter: InteractionFilter, cursor: HistoryCursor): string {
    const payload: Payload = { u: userId, f: filterHash(filter), t: cursor.createdAt.getTime(), i: cursor.id };
    const body = Buffer.from(JSON.stringify(payload));
    return Buffer.concat([body, this.mac(body)]).toString("base64url");
  }

  /** The cursor in `token`; throws VALIDATION_ERROR on `page_token` unless it was issued for this user and filter. */
  decode(token: string, userId: string, filter: InteractionFilter): HistoryCursor {
    const raw = Buffer.from(token, "base64url");
    // Node's decoder skips invalid characters and ignores trailing bits; only the canonical spelling is ours.
    if (raw.length <= MAC_BYTES || raw.toString("base64url") !== token) throw invalid(TAMPERED);
    const body = raw.subarray(0, raw.length - MAC_BYTES);
    if (!timingSafeEqual(raw.subarray(raw.length - MAC_BYTES), this.mac(body))) throw invalid(TAMPERED);
    const payload = JSON.parse(body.toString()) as Payload;
    if (payload.u !== userId || payload.f !== filterHash(filter)) throw invalid(OTHER_QUERY);
    return { createdAt: new Date(payload.t), id: payload.i };
  }

  private mac(body: Buffer): Buffer {
    return createHmac("sha256", this.key).update(body).digest().subarray(0, MAC_BYTES);
  }
}

const TAMPERED = "page_token is not a token this server issued (altered or truncated); pass next_page_token exactly as returned, or start again without it";
const OTHER_QUERY =
  "page_token belongs to a different query (another user, content_type or interaction_type); start again without it, or repeat the filters of the call that returned it";

const invalid = (description: string) => validationError([{ field: "page_token", description }]);

function filterHash(filter: InteractionFilter): string {
  const canonical = JSON.stringify([filter.contentType ?? null, filter.interactionType ?? null]);
  return createHash("sha256").update(canonical).digest("base64url").slice(0, 11);
}
