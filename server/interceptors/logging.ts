import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import { principalKey, requestIdKey } from "./context.js";

/** The wire protocol of a call, from its content type. */
export function protocolOf(contentType: string | null): "grpc" | "grpc-web" | "connect" {
  if (contentType?.startsWith("application/grpc-web")) return "grpc-web";
  if (contentType?.startsWith("application/grpc")) return "grpc";
  return "connect";
}

/** One structured log line per call, when it ends (for streams: when the stream ends). Never logs messages. */
export function loggingInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const start = performance.now();
    const log = (err: unknown) => {
      const code = err === undefined ? "ok" : Code[ConnectError.from(err).code];
      const line = {
        requestId: req.contextValues.get(requestIdKey),
        procedure: `${req.service.typeName}/${req.method.name}`,
        protocol: protocolOf(req.header.get("content-type")),
        code,
        durationMs: Math.round((performance.now() - start) * 100) / 100,
        userId: req.contextValues.get(principalKey)?.userId,
      };
      if (err === undefined || code === "Canceled") logger.info(line, "rpc");
      else logger.warn({ ...line, error: ConnectError.from(err).rawMessage }, "rpc failed");
    };
    let res;
    try {
      res = await next(req);
    } catch (err) {
      log(err);
      throw err;
    }
    if (!res.stream) {
      log(undefined);
      return res;
    }
    const messages = res.message;
    return {
      ...res,
      message: (async function* () {
        try {
          yield* messages;
          log(undefined);
        } catch (err) {
          log(err);
          throw err;
        }
      })(),
    };
  };
}
