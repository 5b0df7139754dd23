import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadConfig } from "../../server/config/config.js";
import { loadWorkerConfig } from "../../worker/config.js";
import { ROOT, documentedVariables, read } from "./environment.js";

/* The manifests' shapes, only as far as these checks read them. */
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  initContainers?: Container[];
  containers: Container[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

const DIR = "deploy/k8s";
const files = readdirSync(path.join(ROOT, DIR)).filter((f) => f.endsWith(".yaml"));
const manifests: (Manifest & { file: string })[] = files.flatMap((file) =>
  parseAllDocuments(read(`${DIR}/${file}`)).map((doc) => {
    expect(doc.errors, file).toEqual([]);
    return { ...(doc.toJS() as Manifest), file };
  }),
);
const resources = manifests.filter((m) => m.kind !== "Kustomization");
const find = (kind: string, name: string) => resources.find((m) => m.kind === kind && m.metadata.name === name);
const deployment = (name: string) => {
  const d = find("Deployment", name);
  expect(d, `Deployment ${name}`).toBeDefined();
  return d!;
};
const podSpec = (d: Manifest) => d.spec.template.spec as PodSpec;
const mainContainer = (d: Manifest) => podSpec(d).containers[0]!;
const configMap = find("ConfigMap", "stuckai-config")!;
const secret = find("Secret", "stuckai-secrets")!;
const SECRET_KEYS = ["JWT_SECRET", "DATABASE_URL", "REDIS_URL"];

/** The container port a probe or Service names, by name or by number. */
function portOf(c: Container, ref: string | number): number | undefined {
  return c.ports?.find((p) => p.name === ref || p.containerPort === ref)?.containerPort;
}

describe("deploy/k8s manifests", () => {
  it("holds the api and worker Deployments, the api Service, both autoscalers, the ConfigMap and a Secret template", () => {
    const kinds = resources.map((m) => `${m.kind}/${m.metadata.name}`).sort();
    expect(kinds).toEqual(
      expect.arrayContaining([
        "ConfigMap/stuckai-config",
        "Deployment/stuckai-api",
        "Deployment/stuckai-worker",
        "HorizontalPodAutoscaler/stuckai-api",
        "HorizontalPodAutoscaler/stuckai-worker",
        "Secret/stuckai-secrets",
        "Service/stuckai-api",
      ]),
    );
    const names = resources.map((m) => `${m.kind}/${m.metadata.name}`);
    expect(new Set(names).size, "no duplicate objects").toBe(names.length);
  });

  it("selects each Deployment's own pods, runs one image, and the commands the image has", () => {
    const api = deployment("stuckai-api");
    const worker = deployment("stuckai-worker");
    for (const d of [api, worker]) {
      const labels = d.spec.template.metadata.labels as Record<string, string>;
      expect(labels, d.metadata.name).toMatchObject(d.spec.selector.matchLabels);
    }
    expect(api.spec.selector.matchLabels).not.toEqual(worker.spec.selector.matchLabels);
    const images = new Set([api, worker].flatMap((d) => [...(podSpec(d).initContainers ?? []), ...podSpec(d).containers].map((c) => c.image)));
    expect(images.size, "api, worker and migrate share one image").toBe(1);
    expect(mainContainer(api).command).toEqual(["node", "dist/server/main.js"]);
    expect(mainContainer(worker).command).toEqual(["node", "dist/worker/main.js"]);
  });

  it("probes the api's readiness on /ready and liveness on /health, on the port it listens on (PORT)", () => {
    const api = mainContainer(deployment("stuckai-api"));
    const port = Number(configMap.data!.PORT);
    expect(api.readinessProbe?.httpGet?.path).toBe("/ready");
    expect(api.livenessProbe?.httpGet?.path).toBe("/health");
    for (const probe of [api.readinessProbe, api.livenessProbe, api.startupProbe].filter(Boolean)) {
      expect(portOf(api, probe!.httpGet!.port)).toBe(port);
    }
  });

  it("probes the worker on its operator port (WORKER_HTTP_PORT), which has /health only", () => {
    const worker = mainContainer(deployment("stuckai-worker"));
    const port = Number(configMap.data!.WORKER_HTTP_PORT);
    for (const probe of [worker.readinessProbe, worker.livenessProbe]) {
      expect(probe?.httpGet?.path).toBe("/health");
      expect(portOf(worker, probe!.httpGet!.port)).toBe(port);
    }
  });

  it("runs every container as non-root, without privilege escalation, with resource requests and a memory limit", () => {
    for (const name of ["stuckai-api", "stuckai-worker"]) {
      const spec = podSpec(deployment(name));
      expect(spec.securityContext?.runAsNonRoot, name).toBe(true);
      expect(spec.securityContext?.runAsUser, name).toBeGreaterThan(0);
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        expect(c.securityContext, `${name}/${c.name}`).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
        expect(c.securityContext?.capabilities?.drop, `${name}/${c.name}`).toContain("ALL");
        expect(Object.keys(c.resources?.requests ?? {}).sort(), `${name}/${c.name}`).toEqual(["cpu", "memory"]);
        expect(c.resources?.limits?.memory, `${name}/${c.name}`).toBeDefined();
      }
    }
  });

  it("takes settings from the ConfigMap and JWT_SECRET, DATABASE_URL, REDIS_URL from the Secret", () => {
    const api = deployment("stuckai-api");
    const worker = deployment("stuckai-worker");
    const secretRefs = (c: Container) =>
      Object.fromEntries((c.env ?? []).filter((e) => e.valueFrom?.secretKeyRef).map((e) => [e.name, e.valueFrom!.secretKeyRef!]));
    for (const d of [api, worker]) {
      for (const c of [...(podSpec(d).initContainers ?? []), ...podSpec(d).containers]) {
        expect(c.envFrom?.map((e) => e.configMapRef?.name), `${d.metadata.name}/${c.name}`).toEqual([configMap.metadata.name]);
        for (const [name, ref] of Object.entries(secretRefs(c))) {
          expect(ref.name, name).toBe(secret.metadata.name);
          expect(ref.key, name).toBe(name);
          expect(Object.keys(secret.stringData!), name).toContain(ref.key);
        }
        // A literal value would bypass the Secret.
        for (const e of c.env ?? []) expect(e.value, `${d.metadata.name}/${c.name} ${e.name}`).toBeUndefined();
      }
    }
    expect(Object.keys(secretRefs(mainContainer(api))).sort()).toEqual([...SECRET_KEYS].sort());
    // The worker signs no tokens.
    expect(Object.keys(secretRefs(mainContainer(worker))).sort()).toEqual(["DATABASE_URL", "REDIS_URL"]);
  });

  it("migrates in an init container with what loadConfig needs in production", () => {
    const [migrate, ...more] = podSpec(deployment("stuckai-api")).initContainers ?? [];
    expect(more).toEqual([]);
    expect(migrate?.command).toEqual(["node", "dist/server/migrate.js"]);
    const fromSecret = (migrate?.env ?? []).map((e) => e.name);
    expect(fromSecret).toEqual(expect.arrayContaining(["JWT_SECRET", "DATABASE_URL"]));
    expect(configMap.data!.NODE_ENV).toBe("production");
  });

  it("gives the api time to drain: preStop pause + SHUTDOWN_GRACE_MS + 5 s fit in the termination grace", () => {
    const spec = podSpec(deployment("stuckai-api"));
    const pause = Number(mainContainer(deployment("stuckai-api")).lifecycle?.preStop?.exec?.command.at(-1) ?? 0);
    const graceSec = Number(configMap.data!.SHUTDOWN_GRACE_MS) / 1000;
    expect(spec.terminationGracePeriodSeconds ?? 30).toBeGreaterThan(pause + graceSec + 5);
  });

  it("keeps secrets out of the ConfigMap, placeholders in the Secret template, and documented variables in both", () => {
    const documented = documentedVariables();
    for (const key of Object.keys(configMap.data!)) {
      expect(documented.has(key), `ConfigMap ${key} is not in .env.example`).toBe(true);
      expect(SECRET_KEYS, `ConfigMap holds ${key}`).not.toContain(key);
    }
    expect(Object.keys(secret.stringData!).sort()).toEqual([...SECRET_KEYS].sort());
    for (const [key, value] of Object.entries(secret.stringData!)) {
      expect(documented.has(key), key).toBe(true);
      expect(value, `${key} must be a placeholder`).toContain("REPLACE_ME");
    }
    expect(secret.data, "no base64 data in the template").toBeUndefined();
    expect(secret.file).toMatch(/\.example\.yaml$/);
  });

  it("passes the api's and the worker's own validation with the ConfigMap and the Secret's keys", () => {
    const env = { ...configMap.data, ...secret.stringData };
    const config = loadConfig(env);
    expect(config).toMatchObject({ env: "production", port: 8080, trustProxy: true });
    expect(config.jwt.alg).toBe("HS256");
    expect(loadWorkerConfig(env).httpPort).toBe(Number(configMap.data!.WORKER_HTTP_PORT));
  });

  it("exposes the api Service on 8080, routed to the api pods' container port, as h2c", () => {
    const service = find("Service", "stuckai-api")!;
    const api = deployment("stuckai-api");
    expect(api.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    expect(deployment("stuckai-worker").spec.template.metadata.labels).not.toMatchObject(service.spec.selector);
    const [port, ...more] = service.spec.ports as { port: number; targetPort: string | number; appProtocol?: string }[];
    expect(more).toEqual([]);
    expect(port!.port).toBe(8080);
    expect(portOf(mainContainer(api), port!.targetPort)).toBe(Number(configMap.data!.PORT));
    expect(port!.appProtocol).toBe("kubernetes.io/h2c");
  });

  it("autoscales each Deployment, and leaves the replica count to the autoscaler", () => {
    for (const name of ["stuckai-api", "stuckai-worker"]) {
      const hpa = resources.find((m) => m.kind === "HorizontalPodAutoscaler" && m.spec.scaleTargetRef.name === name);
      expect(hpa, name).toBeDefined();
      expect(hpa!.apiVersion).toBe("autoscaling/v2");
      expect(hpa!.spec.scaleTargetRef).toMatchObject({ apiVersion: "apps/v1", kind: "Deployment" });
      expect(hpa!.spec.minReplicas).toBeGreaterThanOrEqual(1);
      expect(hpa!.spec.maxReplicas).toBeGreaterThan(hpa!.spec.minReplicas);
      // CPU utilisation is relative to the request: without one the autoscaler cannot act.
      expect(mainContainer(deployment(name)).resources?.requests?.cpu).toBeDefined();
      expect(deployment(name).spec.replicas, name).toBeUndefined();
    }
    const apiHpa = resources.find((m) => m.kind === "HorizontalPodAutoscaler" && m.spec.scaleTargetRef.name === "stuckai-api")!;
    expect(apiHpa.spec.minReplicas, "the api survives losing a pod").toBeGreaterThanOrEqual(2);
  });

  it("lists every manifest but the Secret template in kustomization.yaml", () => {
    const kustomization = manifests.find((m) => m.kind === "Kustomization") as unknown as { resources: string[] };
    const expected = files.filter((f) => f !== "kustomization.yaml" && !f.endsWith(".example.yaml")).sort();
    expect([...kustomization.resources].sort()).toEqual(expected);
  });
});
