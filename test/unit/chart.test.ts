// The chart's data that must not drift from the code (no helm, no cluster needed):
// the CRD templates are what scripts/write-crds.ts renders from their sources, the chart's
// version and image match package.json and the Dockerfile, files/rbac.yaml is well formed and
// documented in docs/install.md, and the values schema knows every dialect.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { knownDialects } from "../../src/cli/dialects.js";
import { chartCrdDrift, renderChartCrds } from "../../scripts/write-crds.js";
import { chartDir, chartRbac, chartValues, repositoryRoot } from "../../tools/helm/chart.js";

const read = (path: string) => readFileSync(join(repositoryRoot, path), "utf8");
const packageJson = JSON.parse(read("package.json")) as { version: string; bin: Record<string, string> };
const chartYaml = parse(read("charts/ferry/Chart.yaml")) as { apiVersion: string; version: string; appVersion: string };
const values = chartValues();

test("the chart's CRD templates are exactly what scripts/write-crds.ts renders (run it after changing a CRD)", () => {
  const drift = chartCrdDrift();
  assert.deepEqual(drift, [], `charts/ferry/templates/crds is out of date: run \`npx tsx scripts/write-crds.ts\`\n${drift.join("\n")}`);
  const files = [...renderChartCrds().keys()];
  for (const name of ["distributions.ferry.dev", "clusterdistributions.ferry.dev", "registrycredentials.ferry.dev"]) assert.ok(files.includes(`${name}.yaml`), name);
  assert.ok(files.some((file) => file.startsWith("foreign-")), "the foreign CRDs of deploy/crds/foreign");
});

test("every CRD template is switched by crds.install (and foreign ones by crds.installForeign) and honours crds.keep", () => {
  for (const [file, content] of renderChartCrds()) {
    const first = content.split("\n")[0];
    if (file.startsWith("foreign-")) {
      assert.equal(first, "{{- if and .Values.crds.install .Values.crds.installForeign }}", file);
      assert.match(content, /lookup "apiextensions\.k8s\.io\/v1" "CustomResourceDefinition"/, `${file}: left alone when another controller owns it`);
    } else {
      assert.equal(first, "{{- if .Values.crds.install }}", file);
    }
    assert.match(content, /\{\{- if \.Values\.crds\.keep \}\}\n\s+(annotations:\n\s+)?helm\.sh\/resource-policy: keep/, file);
    assert.match(content, /ferry\.dev\/installed-by: ferry/, `${file}: labelled as the runtime installer labels its CRDs`);
  }
});

test("Chart.yaml follows package.json: apiVersion v2, version and appVersion", () => {
  assert.equal(chartYaml.apiVersion, "v2");
  assert.equal(chartYaml.appVersion, packageJson.version);
  assert.equal(chartYaml.version, packageJson.version);
});

test("the chart's default image is the one the Dockerfile builds and runs it the same way", () => {
  const dockerfile = read("Dockerfile");
  const image = values.image as { repository: string; tag: string };
  const source = /org\.opencontainers\.image\.source="https:\/\/github\.com\/([^"]+)"/.exec(dockerfile)?.[1];
  assert.equal(image.repository, `ghcr.io/${source}`, "image.repository is the GitHub Container Registry image of the Dockerfile's source");
  assert.equal(image.tag, "", "the tag defaults to appVersion");
  assert.match(dockerfile, new RegExp(`docker build -t ${image.repository.replace(/[./]/g, "\\$&")}:${packageJson.version.replace(/\./g, "\\.")} \\.`), "the documented build command tags the chart's image");
  assert.equal(/^ARG VERSION=(.+)$/m.exec(dockerfile)?.[1], packageJson.version, "the image's version label default");
  const entrypoint = /^ENTRYPOINT (.+)$/m.exec(dockerfile)?.[1];
  assert.deepEqual(JSON.parse(entrypoint ?? "null"), ["node", "--max-semi-space-size=2", "dist/src/cli/main.js"], "the node flags the memory benchmark measures");
  assert.match(read("charts/ferry/templates/deployment.yaml"), /entrypoint is `node --max-semi-space-size=2 dist\/src\/cli\/main\.js`/, "the chart says how the image starts Ferry");
  assert.equal(packageJson.bin.ferry, "dist/src/cli/main.js");
  assert.deepEqual(JSON.parse(/^CMD (.+)$/m.exec(dockerfile)?.[1] ?? "null"), ["run"]);
  const user = /^USER (\d+):(\d+)$/m.exec(dockerfile);
  const securityContext = values.securityContext as { runAsUser: number; runAsGroup: number };
  assert.equal(Number(user?.[1]), securityContext.runAsUser, "the image's user is the chart's runAsUser");
  assert.equal(Number(user?.[2]), securityContext.runAsGroup);
  assert.equal(Number(/^EXPOSE (\d+)$/m.exec(dockerfile)?.[1]), values.healthPort, "the exposed port is the health port");
  assert.match(dockerfile, /npm ci .*--omit=dev/, "no dev dependencies in the runtime image");
  assert.match(dockerfile, /^COPY deploy\/crds \/app\/deploy\/crds$/m, "deploy/crds for crds.manageAtRuntime");
  assert.ok(existsSync(join(repositoryRoot, ".dockerignore")));
});

test("files/rbac.yaml is well formed: a reason for every rule, known verbs, no wildcards, `when` names a boolean value", () => {
  const rbac = chartRbac();
  const verbs = new Set(["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"]);
  for (const rule of [...rbac.clusterRules, ...rbac.leaderElectionRules]) {
    const where = `${rule.apiGroups.join(",")}/${rule.resources.join(",")}`;
    assert.ok(typeof rule.reason === "string" && rule.reason.length > 20, `${where}: a reason`);
    assert.ok(rule.verbs.length > 0 && rule.verbs.every((verb) => verbs.has(verb)), `${where}: verbs ${rule.verbs.join(",")}`);
    assert.ok(![...rule.verbs, ...rule.resources, ...rule.apiGroups].includes("*"), `${where}: no wildcard`);
    if (rule.when) {
      const value = rule.when.split(".").reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], values);
      assert.equal(typeof value, "boolean", `${where}: when ${rule.when} is a boolean value of values.yaml`);
    }
  }
  for (const rule of rbac.leaderElectionRules) assert.deepEqual(rule.apiGroups, ["coordination.k8s.io"]);
});

test("docs/install.md lists every RBAC rule of files/rbac.yaml", () => {
  const docs = read("docs/install.md");
  const rbac = chartRbac();
  for (const rule of [...rbac.clusterRules, ...rbac.leaderElectionRules]) {
    const row = `| ${rule.apiGroups.map((g) => `\`${g || "core"}\``).join(", ")} | ${rule.resources.map((r) => `\`${r}\``).join(", ")}${rule.resourceNames ? ` (${rule.resourceNames.map((n) => `\`${n}\``).join(", ")})` : ""} | ${rule.verbs.join(", ")} |`;
    assert.ok(docs.includes(row), `docs/install.md has the row\n${row}`);
  }
});

test("values.schema.json knows exactly Ferry's dialects", () => {
  const schema = JSON.parse(readFileSync(join(chartDir, "values.schema.json"), "utf8")) as {
    properties: { dialects: { items: { enum: string[] } }; takeOverUnmarked: { items: { enum: string[] } } };
  };
  assert.deepEqual([...schema.properties.dialects.items.enum].sort(), ["all", ...knownDialects.map((d) => d.name)].sort());
  assert.deepEqual([...schema.properties.takeOverUnmarked.items.enum].sort(), knownDialects.map((d) => d.name).sort(), "takeOverUnmarked: every dialect, no `all`");
});

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
}

test("values.schema.json and values.yaml name the same keys, and the schema refuses any other", () => {
  const schema = JSON.parse(readFileSync(join(chartDir, "values.schema.json"), "utf8")) as SchemaNode;
  const defaults = parse(readFileSync(join(chartDir, "values.yaml"), "utf8")) as Record<string, unknown>;
  const compare = (node: SchemaNode, value: Record<string, unknown>, path: string) => {
    assert.equal(node.additionalProperties, false, `${path || "the top level"}: unknown keys refused (a typo must not pass silently)`);
    const described = Object.keys(node.properties ?? {}).filter((key) => !(path === "" && key === "global"));
    assert.deepEqual([...described].sort(), Object.keys(value).sort(), `${path || "the top level"}: the schema's keys are values.yaml's`);
    for (const key of described) {
      const child = node.properties![key]!;
      const childValue = value[key];
      // Own objects (with listed properties) are compared key by key; free-form maps are not.
      if (child.properties) compare(child, childValue as Record<string, unknown>, path ? `${path}.${key}` : key);
    }
  };
  compare(schema, defaults, "");
});

test("the Dockerfile passes hadolint (no Docker engine runs here, so it is linted, not built)", async () => {
  const { execFile } = await import("node:child_process");
  const { promisify } = await import("node:util");
  const { stdout } = await promisify(execFile)("bash", ["scripts/lint-dockerfile.sh"], { maxBuffer: 4 * 1024 * 1024 });
  assert.match(stdout, /has no findings/);
});
