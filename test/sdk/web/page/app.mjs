// The browser side of test/sdk/web/sdk-in-chromium.test.ts: a page on another origin than the API,
// bundled by esbuild from a project that installed the packed SDK. For Connect and for gRPC-Web it
// signs up, logs in, updates the profile, waits for recommendations, likes one, provokes a typed
// error and reloads its session from localStorage; then it shows what it saw. The query string says
// where the API is (`api`) and makes the emails unique (`run`).
import { ContentType, RecommendationStatus, createStuckClient, isStuckError, localStorageTokenStore } from "@stuckai/sdk/web";

const PASSWORD = "browser-passw0rd";

/** @param {"connect" | "grpc-web"} protocol @param {string} api @param {string} run */
async function exercise(protocol, api, run) {
  const email = `${run}.${protocol}@example.com`;
  /** @type {Record<string, string>} */
  const shown = { email, pageOrigin: location.origin };
  /** @type {string[]} */
  const events = [];
  const store = localStorageTokenStore({ key: `stuckai.${protocol}` });
  const make = () => createStuckClient({ baseUrl: api, protocol, auth: { store, onSessionChange: (s) => events.push(s ? "in" : "out") } });
  try {
    const stuck = make();
    const registered = await stuck.auth.register({ email, password: PASSWORD, displayName: `Browser ${protocol}` });
    shown.registeredId = registered.user?.id ?? "";
    const login = await stuck.auth.login({ email, password: PASSWORD });
    shown.loginId = login.user?.id ?? "";
    const profile = await stuck.users.updateProfile({ profile: { interests: ["Cinema", "jazz"] }, updateMask: { paths: ["interests"] } });
    shown.interests = (profile.profile?.interests ?? []).join(",");

    const list = await stuck.content.recommendationsFor(ContentType.MOVIE, { waitForReady: true, timeoutMs: 20_000, pageSize: 5 });
    shown.status = RecommendationStatus[list.status] ?? String(list.status);
    shown.count = String(list.recommendations.length);
    const top = list.recommendations[0];
    if (top) {
      shown.topId = top.id;
      shown.likeId = (await stuck.content.like(top, { device: "web" })).interactionId;
    }

    try {
      await stuck.auth.register({ email, password: PASSWORD, displayName: "Again" }, { headers: { "x-request-id": `${run}-${protocol}-dup` } });
      shown.duplicate = "accepted";
    } catch (err) {
      shown.duplicate = isStuckError(err) ? `${err.reason} ${err.requestId}` : `not a StuckError: ${String(err)}`;
    }

    // A reload: a new client over the same storage is still signed in.
    const stored = JSON.parse(localStorage.getItem(`stuckai.${protocol}`) ?? "{}");
    shown.storedUser = stored.user?.email ?? "";
    const again = make();
    shown.afterReloadUser = (await again.auth.getCurrentUser()).user?.email ?? "";
    await again.auth.logout();
    shown.storedAfterLogout = String(localStorage.getItem(`stuckai.${protocol}`));
    shown.sessionEvents = events.join(",");
    shown.outcome = "ok";
  } catch (err) {
    shown.outcome = "failed";
    shown.failure = isStuckError(err) ? `${err.reason}: ${err.rawMessage}` : String(err);
  }
  return shown;
}

/** @param {string} protocol @param {Record<string, string>} shown */
function show(protocol, shown) {
  const section = document.createElement("section");
  section.id = protocol;
  const list = document.createElement("dl");
  for (const [field, value] of Object.entries(shown)) {
    const dt = document.createElement("dt");
    dt.textContent = field;
    const dd = document.createElement("dd");
    dd.dataset.field = field;
    dd.textContent = value;
    list.append(dt, dd);
  }
  section.append(list);
  document.body.append(section);
}

const params = new URLSearchParams(location.search);
for (const protocol of /** @type {const} */ (["connect", "grpc-web"])) {
  show(protocol, await exercise(protocol, params.get("api") ?? "", params.get("run") ?? "run"));
}
document.body.dataset.state = "done";
