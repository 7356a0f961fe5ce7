// Helpers for tests that use the Helm chart (charts/ferry): a helm binary (tools/helm/install.sh,
// built from the Go module proxy into the cache), `helm template` with values, and the chart's RBAC
// rules as data (charts/ferry/files/rbac.yaml, the single source of truth the templates render).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parse, parseAllDocuments } from "yaml";

const run = promisify(execFile);

export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const chartDir = join(repositoryRoot, "charts", "ferry");

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

export interface DocumentedRule extends PolicyRule {
  reason: string;
  /** A dotted path under the chart's values: the rule is granted only when it is true. */
  when?: string;
}

export interface ChartRbac {
  clusterRules: DocumentedRule[];
  leaderElectionRules: DocumentedRule[];
}

const installed = new Map<string, Promise<string>>();

/**
 * A tool that tools/<name>/install.sh builds from the Go module proxy into the cache (the script
 * prints the binary's path on its last line; a second run is a no-op). Fails with a clear
 * message when it cannot be installed: the tests that need it fail, they do not skip.
 */
export function installedTool(name: string): Promise<string> {
  let path = installed.get(name);
  if (!path) {
    path = (async () => {
      const script = join(repositoryRoot, "tools", name, "install.sh");
      try {
        const { stdout } = await run("bash", [script], { maxBuffer: 16 * 1024 * 1024, timeout: 15 * 60_000 });
        const binary = stdout.trim().split("\n").pop();
        if (!binary) throw new Error("it printed no path");
        return binary;
      } catch (error) {
        const detail = (error as { stderr?: string }).stderr?.trim().split("\n").slice(-15).join("\n") ?? "";
        throw new Error(`${name} is required here and could not be installed by tools/${name}/install.sh (${(error as Error).message})\n${detail}`, { cause: error });
      }
    })();
    installed.set(name, path);
  }
  return path;
}

/** The helm binary: tools/helm/install.sh (FERRY_HELM overrides). */
export function helmBinary(): Promise<string> {
  return installedTool("helm");
}

export async function helm(args: string[]): Promise<string> {
  const binary = await helmBinary();
  try {
    const { stdout } = await run(binary, args, { cwd: repositoryRoot, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, HELM_CACHE_HOME: join(tmpdir(), "ferry-helm-cache"), HELM_CONFIG_HOME: join(tmpdir(), "ferry-helm-config"), HELM_DATA_HOME: join(tmpdir(), "ferry-helm-data") } });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`helm ${args.join(" ")} failed: ${stderr?.trim() || stdout?.trim() || (error as Error).message}`, { cause: error });
  }
}

export interface RenderOptions {
  release?: string;
  namespace?: string;
  values?: Record<string, unknown>;
}

async function withValuesFile<T>(values: Record<string, unknown> | undefined, use: (file: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "ferry-chart-values-"));
  try {
    const file = join(dir, "values.json");
    writeFileSync(file, JSON.stringify(values ?? {}));
    return await use(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `helm template` of the chart with these values: the manifest text and its objects. */
export async function renderChart(options: RenderOptions = {}): Promise<{ manifest: string; objects: Manifest[] }> {
  const manifest = await withValuesFile(options.values, (file) =>
    helm(["template", options.release ?? "ferry", chartDir, "--namespace", options.namespace ?? "ferry-system", "--values", file]),
  );
  return { manifest, objects: parseManifests(manifest) };
}

/** `helm lint --strict` of the chart with these values; returns its output. */
export function lintChart(values?: Record<string, unknown>): Promise<string> {
  return withValuesFile(values, (file) => helm(["lint", "--strict", chartDir, "--values", file]));
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]!.message}`);
    const object = doc.toJS() as Manifest | null;
    return object ? [object] : [];
  });
}

export function toManifestText(objects: Manifest[]): string {
  return objects.map((object) => `---\n${JSON.stringify(object)}\n`).join("");
}

/** charts/ferry/files/rbac.yaml as data. */
export function chartRbac(): ChartRbac {
  return parse(readFileSync(join(chartDir, "files", "rbac.yaml"), "utf8")) as ChartRbac;
}

/** The chart's default values merged with these overrides (objects deeply, everything else replaced). */
export function chartValues(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const defaults = parse(readFileSync(join(chartDir, "values.yaml"), "utf8")) as Record<string, unknown>;
  const merge = (base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(extra)) {
      const current = out[key];
      out[key] =
        value && typeof value === "object" && !Array.isArray(value) && current && typeof current === "object" && !Array.isArray(current)
          ? merge(current as Record<string, unknown>, value as Record<string, unknown>)
          : value;
    }
    return out;
  };
  return merge(defaults, overrides);
}

function valueAt(values: Record<string, unknown>, path: string): unknown {
  return path.split(".").reduce<unknown>((value, key) => (value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined), values);
}

/** The rules the chart grants with these value overrides: { cluster: ClusterRole rules, leaderElection: Role rules }. */
export function expectedRbacRules(overrides: Record<string, unknown> = {}): { cluster: PolicyRule[]; leaderElection: PolicyRule[] } {
  const values = chartValues(overrides);
  const rbac = chartRbac();
  const granted = (rules: DocumentedRule[]) =>
    rules
      .filter((rule) => !rule.when || valueAt(values, rule.when) === true)
      .map(({ apiGroups, resources, resourceNames, verbs }) => ({ apiGroups, resources, ...(resourceNames ? { resourceNames } : {}), verbs }));
  const leaderElection = (valueAt(values, "leaderElection.enabled") === true ? granted(rbac.leaderElectionRules) : []);
  return { cluster: granted(rbac.clusterRules), leaderElection };
}
