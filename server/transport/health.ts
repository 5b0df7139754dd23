// grpc.health.v1.Health for load balancers, Kubernetes gRPC probes and grpc-health-probe.
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponse_ServingStatus as Status,
} from "../../sdk/src/gen/grpc/health/v1/health_pb.js";

/** Service name ("" = the server overall) -> serving. Called on every request, so keep it cheap. */
export type ServingStatusProvider = () => Promise<Map<string, boolean>> | Map<string, boolean>;

const toStatus = (serving: boolean) => (serving ? Status.SERVING : Status.NOT_SERVING);

export function registerHealth(
  router: ConnectRouter,
  statuses: ServingStatusProvider,
  opts: { watchIntervalMs?: number } = {},
): void {
  const interval = opts.watchIntervalMs ?? 1000;
  router.service(Health, {
    async check({ service }) {
      const serving = (await statuses()).get(service);
      if (serving === undefined) throw new ConnectError(`unknown service "${service}"`, Code.NotFound);
      return { status: toStatus(serving) };
    },
    // Polling rather than push keeps the provider a plain function; the cost is up to one interval of lag.
    async *watch({ service }, ctx) {
      let last: Status | undefined;
      while (!ctx.signal.aborted) {
        const serving = (await statuses()).get(service);
        // Unknown is a status here, not an error, so watchers survive services that register late.
        const status = serving === undefined ? Status.SERVICE_UNKNOWN : toStatus(serving);
        if (status !== last) yield { status: (last = status) };
        // The signal clears the timer on abort (client gone, deadline, shutdown), so nothing outlives the call.
        await sleep(interval, undefined, { signal: ctx.signal }).catch(() => {});
      }
      // Ending normally would tell the client the stream completed; report the abort instead.
      throw ctx.signal.reason;
    },
    async list() {
      const entries = [...(await statuses())].map(([name, serving]) => [name, { status: toStatus(serving) }] as const);
      return { statuses: Object.fromEntries(entries) };
    },
  });
}
