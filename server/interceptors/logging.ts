import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import type { Logger } from "pino";
import { rpcDuration, rpcInFlight, rpcRequests } from "../observability/metrics.js";
import { principalKey, requestIdKey } from "./context.js";
import { isShutdownError } from "./drain.js";

/** The wire protocol of a call, from its content type. */
export function protocolOf(contentType: string | null): "grpc" | "grpc-web" | "connect" {
  if (contentType?.startsWith("application/grpc-web")) return "grpc-web";
  if (contentType?.startsWith("application/grpc")) return "grpc";
  return "connect";
}

/**
 * One structured log line per call, when it ends (for streams: when the stream ends), and the
 * call's Prometheus samples (count, latency, in flight). Never logs messages. Codes are the
 * Connect names (`ok`, `unauthenticated`, `deadline_exceeded`), the same in logs and metrics.
 */
export function loggingInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const start = performance.now();
    const labels = {
      procedure: `${req.service.typeName}/${req.method.name}`,
      protocol: protocolOf(req.header.get("content-type")),
    };
    rpcInFlight.inc(labels);
    const log = (err: unknown) => {
      const seconds = (performance.now() - start) / 1000;
      const error = err === undefined ? undefined : ConnectError.from(err);
      const code = error ? codeToString(error.code) : "ok";
      rpcInFlight.dec(labels);
      rpcRequests.inc({ ...labels, code });
      rpcDuration.observe({ ...labels, code }, seconds);
      const line = {
        requestId: req.contextValues.get(requestIdKey),
        ...labels,
        code,
        durationMs: Math.round(seconds * 100_000) / 100,
        userId: req.contextValues.get(principalKey)?.userId,
      };
      // A client that goes away, or a stream ended by our own shutdown, is business as usual.
      if (!error || code === "canceled" || isShutdownError(error)) logger.info(line, "rpc");
      else logger.warn({ ...line, error: error.rawMessage }, "rpc failed");
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
        let ended = false;
        try {
          yield* messages;
          ended = true;
          log(undefined);
        } catch (err) {
          ended = true;
          log(err);
          throw err;
        } finally {
          // The adapter stops iterating (return()) when the client goes away mid-stream.
          if (!ended) log(new ConnectError("client went away", Code.Canceled));
        }
      })(),
    };
  };
}
