import type { Interceptor } from "@connectrpc/connect";
import { requestIdKey } from "./context.js";

/**
 * Puts the request id (assigned to every HTTP request in transport/http-routes.ts) into the call
 * context, and into error metadata so gRPC clients also find it in the trailers.
 */
export function requestIdInterceptor(): Interceptor {
  return (next) => async (req) => {
    const id = req.header.get("x-request-id") ?? "";
    req.contextValues.set(requestIdKey, id);
    try {
      return await next(req);
    } catch (err) {
      if (err instanceof Error && "metadata" in err && err.metadata instanceof Headers) err.metadata.set("x-request-id", id);
      throw err;
    }
  };
}
