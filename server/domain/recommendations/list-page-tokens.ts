import { validationError } from "../errors.js";
import { SignedTokens, TAMPERED_TOKEN } from "../signed-tokens.js";
import type { ListKey } from "./lists.js";

interface Payload {
  /** User, content type and cell the token was issued for. */
  u: string;
  t: string;
  g: string;
  /** Offset of the next page in the list. */
  o: number;
}

/**
 * AIP-158 page tokens over a stored list: the offset of the next page, bound to the list's key. When
 * the list is regenerated between two pages the next page is read from the new list at the same
 * offset (lists are short and ranked afresh; a client wanting a consistent snapshot reads one page).
 */
export class ListPageTokens {
  private readonly signed: SignedTokens;

  constructor(key: Buffer) {
    this.signed = new SignedTokens(key);
  }

  encode(key: ListKey, offset: number): string {
    const payload: Payload = { u: key.userId, t: key.contentType, g: key.geohash, o: offset };
    return this.signed.sign(payload);
  }

  /** The offset in `token`; throws VALIDATION_ERROR on `page_token` unless it was issued for this list. */
  decode(token: string, key: ListKey): number {
    const payload = this.signed.verify(token) as Payload | undefined;
    if (!payload || !Number.isSafeInteger(payload.o) || payload.o < 0) throw invalid(TAMPERED_TOKEN);
    if (payload.u !== key.userId || payload.t !== key.contentType) {
      throw invalid("page_token belongs to another user or content_type; start again without it");
    }
    if (payload.g !== key.geohash) throw invalid("page_token was issued for another location; start again without it");
    return payload.o;
  }
}

const invalid = (description: string) => validationError([{ field: "page_token", description }]);
