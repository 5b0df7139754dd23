// A consumer of the published package, in plain Node: run from a project that installed the
// tarball (see test/sdk/package/pack-install.test.ts). Type-checked there with checkJs against the
// package's declarations. Prints what it saw as one JSON line.
import { createRequire } from "node:module";
import { ContentType, InteractionType, RecommendationStatus, StuckError, createStuckClient, isStuckError } from "@stuckai/sdk/node";

const [baseUrl = "", protocol = "connect", email = ""] = process.argv.slice(2);
if (protocol !== "connect" && protocol !== "grpc") throw new Error(`unknown protocol ${protocol}`);
const password = "packed-passw0rd";
/** @type {Record<string, unknown>} */
const out = {};

/** @type {string[]} */
const sessionEvents = [];
const stuck = createStuckClient({
  baseUrl,
  protocol,
  auth: { onSessionChange: (s) => sessionEvents.push(s ? "signed-in" : "signed-out") },
});

const registered = await stuck.auth.register({ email, password, displayName: "Packed" });
out.registeredId = registered.user?.id;
const login = await stuck.auth.login({ email, password });
out.loginId = login.user?.id;
out.sessionUser = (await stuck.auth.getSession())?.user?.email;

const updated = await stuck.users.updateProfile({
  profile: { interests: ["Jazz", "museums"] },
  updateMask: { paths: ["interests"] },
});
out.interests = updated.profile?.interests;

const list = await stuck.content.recommendationsFor(ContentType.MOVIE, { waitForReady: true, timeoutMs: 20_000, pageSize: 5 });
out.status = RecommendationStatus[list.status];
out.count = list.recommendations.length;
const top = list.recommendations[0];
if (!top) throw new Error("READY without recommendations");
out.topId = top.id;

const liked = await stuck.content.like(top, { device: "node" });
out.likeId = liked.interactionId;
const history = await stuck.users.listInteractionHistory({ pageSize: 5 });
out.history = history.interactions.map((i) => `${InteractionType[i.interactionType]}:${i.id}`);

try {
  await stuck.auth.register({ email, password, displayName: "Again" });
  out.duplicate = "accepted";
} catch (err) {
  out.duplicate = isStuckError(err) ? { reason: err.reason, requestId: err.requestId, is: err.is("EMAIL_TAKEN") } : String(err);
}

// The CommonJS build is the same SDK: its errors are recognised here.
const cjs = createRequire(import.meta.url)("@stuckai/sdk/node");
out.cjsErrorRecognised = new cjs.StuckError("x") instanceof StuckError;

await stuck.auth.logout();
out.sessionEvents = sessionEvents;
console.log(JSON.stringify(out));
// No explicit exit: an idle HTTP/2 connection must not keep the process alive.
