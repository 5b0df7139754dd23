import { ConfigError } from "./config.js";

/**
 * Runs a config loader for an entry point; a configuration problem ends the process with
 * EX_CONFIG (78) and the problems on stderr, prefixed with the program's name.
 */
export function loadOrExit<T>(program: string, load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${program}: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}
