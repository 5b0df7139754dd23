/**
 * @stuckai/sdk — the generated StuckAI contracts and a typed client over any Connect transport.
 * Pick a transport for your platform (`@connectrpc/connect-node` or `@connectrpc/connect-web`).
 */
import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { AuthService } from "./gen/stuckai/auth/v1/auth_pb.js";
import { ContentService } from "./gen/stuckai/content/v1/content_pb.js";
import { UserService } from "./gen/stuckai/user/v1/user_pb.js";

export * from "./gen/stuckai/auth/v1/auth_pb.js";
export * from "./gen/stuckai/common/v1/common_pb.js";
export * from "./gen/stuckai/content/v1/content_pb.js";
export * from "./gen/stuckai/user/v1/user_pb.js";

export interface StuckClient {
  readonly auth: Client<typeof AuthService>;
  readonly users: Client<typeof UserService>;
  readonly content: Client<typeof ContentService>;
}

/** One typed client per service, sharing one transport. */
export function createStuckClient(transport: Transport): StuckClient {
  return {
    auth: createClient(AuthService, transport),
    users: createClient(UserService, transport),
    content: createClient(ContentService, transport),
  };
}
