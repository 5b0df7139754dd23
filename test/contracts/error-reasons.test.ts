import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { KNOWN_ERROR_REASONS } from "../../sdk/src/core/errors.js";
import { ERROR_REASONS } from "../../server/domain/errors.js";

// The SDK cannot import the server, so each keeps its list; the proto documents it for everyone else.
it("lists the same ErrorInfo reasons in the proto, the server and the SDK", () => {
  const proto = readFileSync("proto/stuckai/common/v1/common.proto", "utf8");
  const documented = /\/\/ Reasons: ([\s\S]*?)\.\n/.exec(proto)![1]!.replace(/\([^)]*\)/g, "").replace(/\/\//g, "").split(",").map((r) => r.trim());
  expect([...documented].sort()).toEqual([...ERROR_REASONS].sort());
  // The SDK adds reasons for failures that never reached the server.
  expect([...KNOWN_ERROR_REASONS].sort()).toEqual([...ERROR_REASONS, "CANCELED", "UNKNOWN"].sort());
});
