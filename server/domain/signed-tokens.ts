import { createHmac, timingSafeEqual } from "node:crypto";

const MAC_BYTES = 16;

/**
 * Opaque, tamper-proof tokens: base64url of a JSON payload followed by a truncated HMAC-SHA256.
 * Page tokens of every list are built on it, so none can be forged or edited by a client.
 */
export class SignedTokens {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error("page token key must be at least 32 bytes");
  }

  sign(payload: object): string {
    const body = Buffer.from(JSON.stringify(payload));
    return Buffer.concat([body, this.mac(body)]).toString("base64url");
  }

  /** The payload, or undefined when the token is not one this key signed (altered, truncated, foreign). */
  verify(token: string): unknown {
    const raw = Buffer.from(token, "base64url");
    // Node's decoder skips invalid characters and ignores trailing bits; only the canonical spelling is ours.
    if (raw.length <= MAC_BYTES || raw.toString("base64url") !== token) return undefined;
    const body = raw.subarray(0, raw.length - MAC_BYTES);
    if (!timingSafeEqual(raw.subarray(raw.length - MAC_BYTES), this.mac(body))) return undefined;
    return JSON.parse(body.toString()) as unknown;
  }

  private mac(body: Buffer): Buffer {
    return createHmac("sha256", this.key).update(body).digest().subarray(0, MAC_BYTES);
  }
}

export const TAMPERED_TOKEN =
  "page_token is not a token this server issued (altered or truncated); pass next_page_token exactly as returned, or start again without it";
