import { createHash } from "node:crypto";
import { SignedTokens, TAMPERED_TOKEN } from "../signed-tokens.js";
import { validationError } from "../errors.js";
import type { HistoryCursor, InteractionFilter } from "./interaction-history.js";

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
 * Opaque, tamper-proof AIP-158 page tokens for the interaction history (see SignedTokens). A token
 * is bound to its user and filters, so it cannot be replayed against someone else's history or query.
 */
export class PageTokens {
  private readonly signed: SignedTokens;

  constructor(key: Buffer) {
    this.signed = new SignedTokens(key);
  }

  encode(userId: string, filter: InteractionFilter, cursor: HistoryCursor): string {
    const payload: Payload = { u: userId, f: filterHash(filter), t: cursor.createdAt.getTime(), i: cursor.id };
    return this.signed.sign(payload);
  }

  /** The cursor in `token`; throws VALIDATION_ERROR on `page_token` unless it was issued for this user and filter. */
  decode(token: string, userId: string, filter: InteractionFilter): HistoryCursor {
    const payload = this.signed.verify(token) as Payload | undefined;
    if (!payload) throw invalid(TAMPERED_TOKEN);
    if (payload.u !== userId || payload.f !== filterHash(filter)) throw invalid(OTHER_QUERY);
    return { createdAt: new Date(payload.t), id: payload.i };
  }
}

const OTHER_QUERY =
  "page_token belongs to a different query (another user, content_type or interaction_type); start again without it, or repeat the filters of the call that returned it";

const invalid = (description: string) => validationError([{ field: "page_token", description }]);

function filterHash(filter: InteractionFilter): string {
  const canonical = JSON.stringify([filter.contentType ?? null, filter.interactionType ?? null]);
  return createHash("sha256").update(canonical).digest("base64url").slice(0, 11);
}
