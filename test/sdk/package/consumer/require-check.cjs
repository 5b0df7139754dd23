// The package from CommonJS (`require` resolves the "require" conditions of its exports map).
const core = require("@stuckai/sdk");
const node = require("@stuckai/sdk/node");
const web = require("@stuckai/sdk/web");

console.log(
  JSON.stringify({
    resolved: require.resolve("@stuckai/sdk/node"),
    coreClient: typeof core.createStuckClient,
    nodeClient: typeof node.createStuckClient,
    webClient: typeof web.createStuckClient,
    localStorageTokenStore: typeof web.localStorageTokenStore,
    sharedErrorClass: node.StuckError === core.StuckError && web.StuckError === core.StuckError,
    movie: core.ContentType.MOVIE,
    reason: new core.StuckError("gone", core.Code.NotFound).reason,
  }),
);
