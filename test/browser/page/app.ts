/**
 * The browser side of test/browser/auth-in-chromium.test.ts: a page on another origin than the API
 * that signs up, logs in and reads the current user over Connect and over gRPC-Web, provokes a
 * duplicate registration, and shows what it saw. Bundled by esbuild for the browser; the query
 * string says where the API is (`api`) and makes the emails unique (`run`).
 */
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { ErrorInfoSchema } from "../../../sdk/src/gen/google/rpc/error_details_pb.js";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";

const PASSWORD = "browser-passw0rd";

type Shown = Record<string, string>;

async function exercise(protocol: string, transport: Transport, run: string): Promise<Shown> {
  const auth = createClient(AuthService, transport);
  const email = `${run}.${protocol}@example.com`;
  const shown: Shown = { email, pageOrigin: location.origin };
  try {
    const registered = await auth.register(
      { email, password: PASSWORD, displayName: `Browser ${protocol}` },
      { onHeader: (h) => (shown.registerRequestId = h.get("x-request-id") ?? "(not readable)") },
    );
    shown.registeredId = registered.user?.id ?? "";

    const login = await auth.login({ email, password: PASSWORD });
    shown.loginId = login.user?.id ?? "";
    const me = await auth.getCurrentUser({}, { headers: { authorization: `Bearer ${login.tokens?.accessToken ?? ""}` } });
    shown.currentUserId = me.user?.id ?? "";
    shown.currentUserEmail = me.user?.email ?? "";

    try {
      await auth.register({ email, password: PASSWORD, displayName: "Again" }, { headers: { "x-request-id": `${run}-${protocol}-dup` } });
      shown.duplicate = "accepted";
    } catch (e) {
      const err = ConnectError.from(e);
      const info = err.findDetails(ErrorInfoSchema)[0];
      shown.duplicate = "refused";
      shown.errorCode = Code[err.code];
      shown.errorReason = info?.reason ?? "";
      shown.errorInfoRequestId = info?.metadata.request_id ?? "";
      shown.errorHeaderRequestId = err.metadata.get("x-request-id") ?? "(not readable)";
    }
    shown.outcome = "ok";
  } catch (e) {
    const err = ConnectError.from(e);
    shown.outcome = "failed";
    shown.failure = `${Code[err.code]}: ${err.rawMessage}`;
  }
  return shown;
}

function show(protocol: string, shown: Shown): void {
  const section = document.createElement("section");
  section.id = protocol;
  const title = document.createElement("h2");
  title.textContent = protocol;
  const list = document.createElement("dl");
  for (const [field, value] of Object.entries(shown)) {
    const dt = document.createElement("dt");
    dt.textContent = field;
    const dd = document.createElement("dd");
    dd.dataset.field = field;
    dd.textContent = value;
    list.append(dt, dd);
  }
  section.append(title, list);
  document.body.append(section);
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const api = params.get("api") ?? "";
  const run = params.get("run") ?? "run";
  const transports: [string, Transport][] = [
    ["connect", createConnectTransport({ baseUrl: api })],
    ["grpc-web", createGrpcWebTransport({ baseUrl: api })],
  ];
  for (const [protocol, transport] of transports) show(protocol, await exercise(protocol, transport, run));
  document.body.dataset.state = "done";
}

void main();
