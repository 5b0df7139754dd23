import { ConnectionException } from "@mikro-orm/core";

/** SQLSTATE classes and codes that mean "the database cannot serve now", not "this query is wrong". */
// Connection exceptions (class 08) except 08P01, a protocol violation: that one is our request's fault
// (Postgres closes the connection on a NUL in a string, say), and retrying it would fail the same way.
// Then admin/crash shutdown and "cannot connect now"; too many connections.
const UNAVAILABLE_SQLSTATES = /^(08(?!P01)|57P0[1-3]|53300)/;
const UNAVAILABLE_ERRNO = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH"]);
const UNAVAILABLE_MESSAGE = /Connection terminated|Timeout acquiring a connection|Client has encountered a connection error|connection is closed|Query read timeout|timeout expired/i;

/**
 * Whether an error means the database is down, restarting or out of connections: the caller should
 * answer `unavailable` (retry later), not `internal`. Walks `cause` chains, since MikroORM and knex
 * wrap the driver's error.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ConnectionException || e.name === "KnexTimeoutError") return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (UNAVAILABLE_ERRNO.has(code) || UNAVAILABLE_SQLSTATES.test(code))) return true;
    if (UNAVAILABLE_MESSAGE.test(e.message)) return true;
  }
  return false;
}
