import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

/** Counts attempts per method name (an SDK client's interceptors run once per attempt). */
export function countCalls(counts: Map<string, number>): Interceptor {
  return (next) => (req) => {
    counts.set(req.method.name, (counts.get(req.method.name) ?? 0) + 1);
    return next(req);
  };
}

/** Fails the first `times` attempts of `method` with `code` before they are sent: an unreachable server. */
export function failBeforeSending(method: string, times: number, code = Code.Unavailable): Interceptor {
  let left = times;
  return (next) => (req) => {
    if (req.method.name === method && left > 0) {
      left--;
      throw new ConnectError("injected: connection refused", code);
    }
    return next(req);
  };
}

/** Lets the first `times` attempts of `method` reach the server, then drops the answer: a lost response. */
export function loseResponse(method: string, times: number): Interceptor {
  let left = times;
  return (next) => async (req) => {
    const res = await next(req);
    if (req.method.name === method && left > 0) {
      left--;
      throw new ConnectError("injected: connection reset after the server answered", Code.Unavailable);
    }
    return res;
  };
}

/** Records the authorization header of every attempt. */
export function recordAuthorization(seen: { method: string; authorization: string | null }[]): Interceptor {
  return (next) => (req) => {
    seen.push({ method: req.method.name, authorization: req.header.get("authorization") });
    return next(req);
  };
}
