/** Permissions carried in access tokens. */
export const Permission = {
  ReadContent: "read:content",
  WriteInteractions: "write:interactions",
  ReadProfile: "read:profile",
  WriteProfile: "write:profile",
  AdminCatalog: "admin:catalog",
  AdminUsers: "admin:users",
} as const;
export type Permission = (typeof Permission)[keyof typeof Permission];

export const USER_PERMISSIONS: readonly Permission[] = [
  Permission.ReadContent,
  Permission.WriteInteractions,
  Permission.ReadProfile,
  Permission.WriteProfile,
];

export const ADMIN_PERMISSIONS: readonly Permission[] = [
  ...USER_PERMISSIONS,
  Permission.AdminCatalog,
  Permission.AdminUsers,
];
