import { EntitySchema } from "@mikro-orm/core";

/** Row of `users`. Types are explicit because esbuild/tsx emit no decorator metadata. */
export interface UserRow {
  id: string;
  email: string;
  displayName: string;
  passwordHash: string;
  permissions: string[];
  createdAt: Date;
  updatedAt: Date;
}

export const UserEntity = new EntitySchema<UserRow>({
  name: "UserRow",
  tableName: "users",
  properties: {
    id: { type: "uuid", primary: true },
    email: { type: "string", length: 254, unique: true },
    displayName: { type: "string", length: 100 },
    passwordHash: { type: "string", length: 255, lazy: true },
    permissions: { type: "json" },
    createdAt: { type: "datetime" },
    updatedAt: { type: "datetime" },
  },
});
