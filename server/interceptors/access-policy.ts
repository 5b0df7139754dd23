import { Permission } from "../domain/auth/permissions.js";

/** Who may call what. Every RPC not listed needs a valid access token and nothing more. */
export type AccessPolicy = { readonly public: true } | { readonly public: false; readonly permissions: readonly string[] };

const PUBLIC: AccessPolicy = { public: true };
const needs = (...permissions: string[]): AccessPolicy => ({ public: false, permissions });

/** Keyed by `package.Service` then method name. */
const POLICIES: Readonly<Record<string, Readonly<Record<string, AccessPolicy>>>> = {
  "stuckai.auth.v1.AuthService": {
    Register: PUBLIC,
    Login: PUBLIC,
    RefreshToken: PUBLIC,
    Logout: PUBLIC,
  },
  "stuckai.user.v1.UserService": {
    GetProfile: needs(Permission.ReadProfile),
    UpdateProfile: needs(Permission.WriteProfile),
    ListInteractionHistory: needs(Permission.ReadProfile),
    GetAnalytics: needs(Permission.ReadProfile),
    ExportUserData: needs(Permission.ReadProfile),
    DeleteAccount: needs(Permission.WriteProfile),
  },
  "stuckai.content.v1.ContentService": {
    GetRecommendations: needs(Permission.ReadContent),
    WatchRecommendations: needs(Permission.ReadContent),
    RefreshRecommendations: needs(Permission.ReadContent),
    LogInteraction: needs(Permission.WriteInteractions),
    GetContentItem: needs(Permission.ReadContent),
    ImportContentItems: needs(Permission.AdminCatalog),
  },
  // Operators' and tools' endpoints: reflection must work without credentials for `buf curl`.
  "grpc.reflection.v1.ServerReflection": { ServerReflectionInfo: PUBLIC },
  "grpc.reflection.v1alpha.ServerReflection": { ServerReflectionInfo: PUBLIC },
  "grpc.health.v1.Health": { Check: PUBLIC, Watch: PUBLIC, List: PUBLIC },
};

const AUTHENTICATED = needs();

export function policyFor(service: string, method: string): AccessPolicy {
  return POLICIES[service]?.[method] ?? AUTHENTICATED;
}
