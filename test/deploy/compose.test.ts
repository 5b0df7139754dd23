import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../server/config/config.js";
import { loadWorkerConfig } from "../../worker/config.js";
import { documentedVariables, read, variablesReadByCode } from "./environment.js";

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  restart?: string;
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[]; interval?: string; timeout?: string; retries?: number };
  volumes?: string[];
  stop_grace_period?: string;
}

const composeText = read("docker-compose.yml");
// merge: the file shares the api's and worker's settings through a YAML anchor (<<: *app).
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = compose.services;
const APP_SERVICES = ["api", "worker"] as const;
const documented = documentedVariables();
const readByCode = variablesReadByCode();

const seconds = (duration: string) => {
  const m = /^(\d+)(ms|s|m)$/.exec(duration);
  if (!m) throw new Error(`unparsed duration ${duration}`);
  return Number(m[1]) * ({ ms: 0.001, s: 1, m: 60 } as const)[m[2] as "ms" | "s" | "m"];
};

describe("docker-compose.yml", () => {
  it("runs api, worker, postgres and redis, each restarting and with a health check", () => {
    expect(Object.keys(services).sort()).toEqual(["api", "postgres", "redis", "worker"]);
    for (const [name, s] of Object.entries(services)) {
      expect(s.restart, name).toMatch(/^(always|unless-stopped|on-failure)/);
      expect(s.healthcheck?.test?.[0], name).toMatch(/^(CMD|CMD-SHELL)$/);
      expect(s.healthcheck!.test.length, name).toBeGreaterThan(1);
      expect(seconds(s.healthcheck!.timeout ?? "30s"), name).toBeLessThan(seconds(s.healthcheck!.interval ?? "30s"));
    }
  });

  it("starts api and worker only once what they depend on is healthy", () => {
    for (const name of APP_SERVICES) {
      const deps = services[name]!.depends_on ?? {};
      expect(Object.keys(deps).sort(), name).toEqual(["postgres", "redis"]);
      for (const [dep, { condition }] of Object.entries(deps)) {
        expect(services[dep], `${name} depends on ${dep}`).toBeDefined();
        expect(condition, `${name} → ${dep}`).toBe("service_healthy");
      }
    }
  });

  it("gives api and worker only variables the configuration knows and .env.example documents", () => {
    for (const name of APP_SERVICES) {
      for (const key of Object.keys(services[name]!.environment ?? {})) {
        expect(documented.has(key), `${name}: ${key} is not in .env.example`).toBe(true);
        expect(readByCode.has(key), `${name}: ${key} is read by no config file`).toBe(true);
      }
    }
    const interpolated = [...composeText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
    expect(interpolated).toContain("JWT_SECRET");
    for (const name of interpolated) expect(documented.has(name), `\${${name}} is not in .env.example`).toBe(true);
    // Without a value compose must refuse to start rather than run production with an empty secret.
    expect(services.api!.environment!.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?.+\}$/);
    expect(services.api!.environment!.NODE_ENV).toBe("production");
    // Least privilege: the worker signs no tokens.
    expect(services.worker!.environment!.JWT_SECRET).toBeUndefined();
  });

  it("passes the api's and the worker's own validation with the environment it gives them", () => {
    // What compose substitutes for ${JWT_SECRET:?…} and ${NAME:-default} when the operator sets only JWT_SECRET.
    const substitute = (env: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, v.replace(/\$\{JWT_SECRET:\?[^}]*\}/, "s".repeat(40)).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, "$1")]),
      );
    const api = loadConfig(substitute(services.api!.environment!));
    expect(api).toMatchObject({ env: "production", port: 8080 });
    expect(api.databaseUrl).toMatch(/^postgres:\/\/.*@postgres:5432\//);
    expect(loadWorkerConfig(substitute(services.worker!.environment!)).httpPort).toBe(Number(services.worker!.environment!.WORKER_HTTP_PORT));
  });

  it("points DATABASE_URL and REDIS_URL at the compose services, with postgres' own credentials", () => {
    const pgEnv = services.postgres!.environment!;
    for (const name of APP_SERVICES) {
      const env = services[name]!.environment!;
      const db = new URL(env.DATABASE_URL!);
      expect(db.hostname, name).toBe("postgres");
      expect(services[db.hostname], name).toBeDefined();
      expect(decodeURIComponent(db.username)).toBe(pgEnv.POSTGRES_USER);
      expect(decodeURIComponent(db.password)).toBe(pgEnv.POSTGRES_PASSWORD);
      expect(db.pathname).toBe(`/${pgEnv.POSTGRES_DB}`);
      const redis = new URL(env.REDIS_URL!);
      expect(redis.protocol).toBe("redis:");
      expect(services[redis.hostname], name).toBeDefined();
      expect(services[redis.hostname]!.image).toMatch(/^redis:/);
    }
  });

  it("publishes the api on its PORT, and health-checks api and worker on the ports they listen on", () => {
    const api = services.api!;
    const port = api.environment!.PORT!;
    expect(api.ports).toEqual([`${port}:${port}`]);
    expect(api.healthcheck!.test.join(" ")).toMatch(/process\.env\.PORT\+'\/ready'/);

    const worker = services.worker!;
    expect(worker.environment!.WORKER_HTTP_PORT).toMatch(/^\d+$/);
    expect(worker.healthcheck!.test.join(" ")).toMatch(/process\.env\.WORKER_HTTP_PORT\+'\/health'/);
    expect(worker.ports, "the worker's operator port stays private").toBeUndefined();
  });

  it("gives api and worker the shutdown grace the api needs before Docker's SIGKILL", () => {
    const graceMs = Number(/^SHUTDOWN_GRACE_MS=(\d+)/m.exec(read(".env.example"))![1]);
    for (const name of APP_SERVICES) {
      expect(seconds(services[name]!.stop_grace_period ?? "10s"), name).toBeGreaterThan(graceMs / 1000 + 5);
    }
  });

  it("runs the api, worker and the image's entry points from the built dist/", () => {
    expect(services.api!.command).toEqual(["node", "dist/server/main.js"]);
    expect(services.worker!.command).toEqual(["node", "dist/worker/main.js"]);
    expect(services.api!.image).toBe(services.worker!.image);
  });

  it("declares every named volume it mounts", () => {
    for (const [name, s] of Object.entries(services)) {
      for (const mount of s.volumes ?? []) {
        const source = mount.split(":")[0]!;
        if (source.startsWith(".") || source.startsWith("/")) continue; // bind mounts
        expect(compose.volumes, `${name} mounts ${source}`).toHaveProperty(source);
      }
    }
  });
});

describe("Dockerfile", () => {
  const text = read("Dockerfile");
  const stages = text.split(/^FROM /m).slice(1);
  const final = stages.at(-1)!;

  it("is a multi-stage build whose final stage runs as a non-root user", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const users = [...final.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]!);
    expect(users.length, "the final stage sets USER").toBeGreaterThan(0);
    const user = users.at(-1)!.split(":")[0]!;
    expect(["root", "0"]).not.toContain(user);
  });

  it("compiles with npm run build and ships only dist/ and production dependencies", () => {
    const build = stages.find((s) => /^RUN .*npm run build/m.test(s));
    expect(build, "a stage runs npm run build").toBeDefined();
    const buildName = /^\S+\s+AS\s+(\S+)/i.exec(build!)![1];
    expect(final).toMatch(new RegExp(`^COPY --from=${buildName} \\S*/app/dist \\./dist`, "m"));
    const deps = /^COPY --from=(\S+) \S*\/app\/node_modules/m.exec(final)?.[1];
    const depsStage = stages.find((s) => new RegExp(`AS ${deps}\\b`, "i").test(s.split("\n")[0]!));
    expect(depsStage, "node_modules come from their own stage").toBeDefined();
    expect(depsStage).toMatch(/npm ci [^\n]*--omit=dev/);
    expect(text).not.toMatch(/^RUN .*npm prune/m);
    expect(final).toMatch(/^CMD \["node", "dist\/server\/main\.js"\]/m);
    expect(final).toMatch(/^EXPOSE .*\b8080\b/m);
  });

  it("keeps local builds, data and secrets out of the build context", () => {
    const ignored = read(".dockerignore").split("\n").map((l) => l.trim());
    for (const entry of ["node_modules", "dist", "data", ".env", ".git"]) expect(ignored, entry).toContain(entry);
  });
});

describe(".env.example", () => {
  it("documents every variable the configuration code reads, and nothing else", () => {
    expect([...readByCode].filter((v) => !documented.has(v)).sort(), "read but undocumented").toEqual([]);
    expect([...documented].filter((v) => !readByCode.has(v)).sort(), "documented but never read").toEqual([]);
  });

  it("has a README configuration row for every variable", () => {
    const readme = read("README.md");
    const missing = [...documented].filter((v) => !new RegExp(`^\\|[^|]*\`${v}\``, "m").test(readme));
    expect(missing).toEqual([]);
  });
});
