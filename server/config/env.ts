export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads environment variables for the config loaders, collecting every problem (instead of
 * throwing at the first) so one start reports all bad values at once.
 */
export class EnvReader {
  constructor(
    readonly env: Env,
    readonly problems: string[],
  ) {}

  /** The trimmed value, or `fallback` when unset or blank. */
  str(name: string, fallback: string): string {
    const v = this.env[name]?.trim();
    return v === undefined || v === "" ? fallback : v;
  }

  /** An integer in [min, max]; `hint` (e.g. " (milliseconds)") goes into the problem message. */
  int(name: string, fallback: number, min: number, max: number, hint = ""): number {
    const raw = this.env[name]?.trim();
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name} must be an integer in [${min}, ${max}]${hint}, got "${raw}"`);
      return fallback;
    }
    return n;
  }

  /** `true`/`false` (also 1/0, yes/no), case-insensitive. */
  bool(name: string, fallback: boolean): boolean {
    const raw = this.env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === "") return fallback;
    if (["true", "1", "yes"].includes(raw)) return true;
    if (["false", "0", "no"].includes(raw)) return false;
    this.problems.push(`${name} must be true or false, got "${this.env[name]}"`);
    return fallback;
  }
}
