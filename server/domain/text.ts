// Postgres refuses NUL in text and jsonb, and unpaired surrogates (JSON's "\ud800") in jsonb; SQLite's
// driver cuts a statement at NUL. Refusing both in the domain keeps them a client's error, on both dialects.
const NUL = "\u0000";
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be stored, or undefined when it can. */
export function textProblem(s: string): string | undefined {
  if (s.includes(NUL)) return "must not contain NUL characters";
  if (LONE_SURROGATE.test(s)) return "must be valid Unicode (it has an unpaired surrogate)";
  return undefined;
}

/** The first text problem in any key or string of a JSON value. */
export function textProblemIn(value: unknown): string | undefined {
  if (typeof value === "string") return textProblem(value);
  if (Array.isArray(value)) {
    for (const v of value) {
      const p = textProblemIn(v);
      if (p) return p;
    }
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const p = textProblem(k) ?? textProblemIn(v);
      if (p) return p;
    }
  }
  return undefined;
}
