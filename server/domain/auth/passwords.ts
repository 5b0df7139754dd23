import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { Violations } from "../errors.js";

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

const KEY_LENGTH = 32;
const R = 8;
const P = 1;

/**
 * scrypt (memory-hard) password hashing. The encoded hash keeps its own parameters
 * (`scrypt$logN$r$p$salt$key`), so raising the cost later leaves old hashes verifiable.
 */
export class PasswordHasher {
  /** A hash of a random password, verified against when an email is unknown so login time does not reveal it. */
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly logN: number) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await derive(password, salt, this.logN, R, P);
    return ["scrypt", this.logN, R, P, salt.toString("base64"), key.toString("base64")].join("$");
  }

  async verify(password: string, encoded: string | undefined): Promise<boolean> {
    if (encoded === undefined) {
      this.dummyHash ??= this.hash(randomBytes(16).toString("hex"));
      await this.verify(password, await this.dummyHash);
      return false;
    }
    const [scheme, logN, r, p, salt, key] = encoded.split("$");
    if (scheme !== "scrypt" || !salt || !key) return false;
    const expected = Buffer.from(key, "base64");
    const actual = await derive(password, Buffer.from(salt, "base64"), Number(logN), Number(r), Number(p));
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}

function derive(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN;
  return scryptAsync(password.normalize("NFKC"), salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });
}

/** Password policy: 8–128 characters with at least one letter and one digit. */
export function checkPasswordPolicy(password: string, violations: Violations, field = "password"): void {
  if (password.length < 8) violations.add(field, "must be at least 8 characters long");
  else if (password.length > 128) violations.add(field, "must be at most 128 characters long");
  else if (!/\p{L}/u.test(password) || !/\p{N}/u.test(password)) {
    violations.add(field, "must contain at least one letter and one digit");
  }
}
