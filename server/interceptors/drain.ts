import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

const shutdownErrors = new WeakSet<Error>();

/**
 * How a call ends when the server shuts down under it: `unavailable`, the code gRPC and Connect
 * clients treat as "retry elsewhere". One instance per call, because the error interceptor adds
 * that call's request id to it. (Not a subclass: ConnectError's `instanceof` is structural, so a
 * subclass could not be told apart from any other ConnectError.)
 */
export function shuttingDown(message = "server is shutting down, reconnect"): ConnectError {
  const err = new ConnectError(message, Code.Unavailable);
  shutdownErrors.add(err);
  return err;
}

/** True for the errors of `shuttingDown()`: an expected ending, not a failure, for the logs. */
export function isShutdownError(err: unknown): boolean {
  return err instanceof Error && shutdownErrors.has(err);
}

interface RunningCall {
  readonly controller: AbortController;
  readonly streaming: boolean;
}

/**
 * Graceful shutdown for RPCs. Each call's signal is replaced by one this class can abort, which
 * the adapter's single `shutdownSignal` cannot do selectively: `endStreams()` ends server streams
 * at once (they would never finish on their own) while unary calls keep running, and `abortAll()`
 * stops whatever is left when the grace period is over.
 */
export class Drain {
  private readonly calls = new Set<RunningCall>();
  private streamsEnded = false;
  private allAborted = false;

  endStreams(): void {
    this.streamsEnded = true;
    for (const call of this.calls) if (call.streaming) call.controller.abort(shuttingDown());
  }

  abortAll(): void {
    this.streamsEnded = this.allAborted = true;
    for (const call of this.calls) {
      // A call cut short is a failure worth a warning, unlike a stream told to reconnect.
      call.controller.abort(new ConnectError("server stopped before the call finished; retry", Code.Unavailable));
    }
  }

  interceptor(): Interceptor {
    return (next) => async (req) => {
      const call: RunningCall = { controller: new AbortController(), streaming: req.stream };
      const outer = req.signal;
      const follow = () => call.controller.abort(outer.reason);
      if (outer.aborted) follow();
      else outer.addEventListener("abort", follow, { once: true });
      if (this.allAborted || (call.streaming && this.streamsEnded)) call.controller.abort(shuttingDown());
      this.calls.add(call);
      const done = () => {
        outer.removeEventListener("abort", follow);
        this.calls.delete(call);
      };
      let res;
      try {
        res = await next({ ...req, signal: call.controller.signal });
      } catch (err) {
        done();
        throw err;
      }
      if (!res.stream) {
        done();
        return res;
      }
      const messages = res.message;
      return {
        ...res,
        message: (async function* () {
          try {
            yield* messages;
          } finally {
            done();
          }
        })(),
      };
    };
  }
}
