import { EntitySchema } from "@mikro-orm/core";

/** Row of `refresh_tokens`: one per issued refresh token; a login starts a family, each refresh adds a row to it. */
export interface RefreshTokenRow {
  id: string;
  userId: string;
  familyId: string;
  /** SHA-256 of the opaque token; the token itself is never stored. */
  tokenHash: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt?: Date | null;
  /** Why the token stopped being valid: rotated, logout or reuse. */
  revokeReason?: string | null;
}

export const RefreshTokenEntity = new EntitySchema<RefreshTokenRow>({
  name: "RefreshTokenRow",
  tableName: "refresh_tokens",
  properties: {
    id: { type: "uuid", primary: true },
    userId: { type: "uuid", index: true },
    familyId: { type: "uuid", index: true },
    tokenHash: { type: "string", length: 64, unique: true },
    createdAt: { type: "datetime" },
    expiresAt: { type: "datetime" },
    revokedAt: { type: "datetime", nullable: true },
    revokeReason: { type: "string", length: 16, nullable: true },
  },
});
