import { Code, ConnectError } from "@connectrpc/connect";
import { expect } from "vitest";
import { BadRequestSchema, ErrorInfoSchema } from "../../sdk/src/gen/google/rpc/error_details_pb.js";

export interface ExpectedError {
  readonly code: Code;
  readonly reason: string;
  /** Fields that must each have a violation in google.rpc.BadRequest. */
  readonly fields?: readonly string[];
}

/** Awaits a call that must fail, and checks its code, AIP-193 ErrorInfo (reason, domain, request id) and violations. */
export async function expectRpcError(call: Promise<unknown>, expected: ExpectedError): Promise<ConnectError> {
  let error: ConnectError | undefined;
  try {
    await call;
  } catch (err) {
    error = ConnectError.from(err);
  }
  expect(error, "the call should have failed").toBeDefined();
  const e = error!;
  expect({ code: Code[e.code], message: e.rawMessage }).toMatchObject({ code: Code[expected.code] });
  const [info] = e.findDetails(ErrorInfoSchema);
  expect(info, "ErrorInfo detail").toBeDefined();
  expect(info!.reason).toBe(expected.reason);
  expect(info!.domain).toBe("stuckai.travel");
  expect(info!.metadata.request_id).toMatch(/\S+/);
  if (expected.fields) {
    const [bad] = e.findDetails(BadRequestSchema);
    expect(bad?.fieldViolations.map((v) => v.field).sort()).toEqual([...expected.fields].sort());
  }
  return e;
}
