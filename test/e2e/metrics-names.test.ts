// The names monitoring depends on exist: `ferry run` (the CLI, as the image runs it) against the
// real control plane serves every metric that docs/grafana-dashboard.json and the chart's
// PrometheusRule use, and docs/metrics.md lists every ferry_* metric it serves (and no other).
// PromQL is parsed with Prometheus' own grammar (@prometheus-io/lezer-promql), so a name is what
// Prometheus would look up, not what a regular expression guesses.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parser } from "@prometheus-io/lezer-promql";
import { renderChart, repositoryRoot, type Manifest } from "../../tools/helm/chart.js";
import { createNamespace, sharedControlPlane, uniqueName } from "../support/cluster.js";
import { startFerryProcess } from "../support/ferry-process.js";

/** Metric names an expression selects (VectorSelector identifiers); fails on a parse error. */
function metricNames(expr: string): string[] {
  const names: string[] = [];
  const cursor = parser.parse(expr).cursor();
  do {
    assert.ok(!cursor.type.isError, `PromQL parses: ${expr} (error at ${cursor.from})`);
    if (cursor.name === "Identifier" && cursor.node.parent?.name === "VectorSelector") names.push(expr.slice(cursor.from, cursor.to));
  } while (cursor.next());
  assert.ok(names.length > 0, `a metric in: ${expr}`);
  return names;
}

/** Families of a Prometheus text exposition, by name, with their type. */
function families(exposition: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) found.set(match[1]!, match[2]!);
  return found;
}

/** Whether a selected name is served: a family, or a histogram's _bucket, _sum or _count series. */
function served(name: string, exposed: Map<string, string>): boolean {
  if (exposed.has(name)) return true;
  const family = /^(.+)_(bucket|sum|count)$/.exec(name)?.[1];
  return family !== undefined && ["histogram", "summary"].includes(exposed.get(family) ?? "");
}

function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(readFileSync(join(repositoryRoot, "docs", "grafana-dashboard.json"), "utf8")) as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
}

async function alertExpressions(): Promise<string[]> {
  const { objects } = await renderChart({ values: { metrics: { prometheusRule: { enabled: true } } } });
  const rule = objects.find((object: Manifest) => object.kind === "PrometheusRule");
  assert.ok(rule, "the chart renders its PrometheusRule");
  return (rule.spec as { groups: Array<{ rules: Array<{ expr: string }> }> }).groups.flatMap((group) => group.rules.map((r) => r.expr));
}

test("`ferry run` serves every metric the dashboard and the alerts use, and docs/metrics.md lists exactly the ferry_* ones it serves", async (t) => {
  const plane = sharedControlPlane();
  // Its own namespace: the hub (on, so the member metrics register) reads registrations there.
  const namespace = await createNamespace(t, "metrics-names");
  const ferry = await startFerryProcess(plane.kubeconfigPath, join(plane.dir, `${uniqueName("ferry-metrics-names")}.log`), ["--ferry-namespace", namespace, "--hub"]);
  t.after(() => ferry.kill("SIGTERM"));
  const exposition = await (await fetch(`${ferry.healthUrl}/metrics`)).text();
  const exposed = families(exposition);

  const used = new Map<string, string>();
  for (const expr of dashboardExpressions()) for (const name of metricNames(expr)) used.set(name, `docs/grafana-dashboard.json: ${expr}`);
  for (const expr of await alertExpressions()) for (const name of metricNames(expr)) used.set(name, `the chart's PrometheusRule: ${expr}`);
  assert.ok(used.size >= 15, `the dashboard and the alerts use ${used.size} metrics`);
  for (const [name, where] of used) assert.ok(served(name, exposed), `${name} (${where}) is not served by Ferry's /metrics`);

  const documented = new Set([...readFileSync(join(repositoryRoot, "docs", "metrics.md"), "utf8").matchAll(/^\| `(ferry_[a-z_]+)` \|/gm)].map((match) => match[1]!));
  const servedFerry = [...exposed.keys()].filter((name) => name.startsWith("ferry_"));
  for (const name of servedFerry) assert.ok(documented.has(name), `docs/metrics.md lists ${name}`);
  for (const name of documented) assert.ok(exposed.has(name), `docs/metrics.md lists ${name}, which Ferry does not serve`);

  // What the CLI wires in: standard process metrics, build info, and apiserver requests counted
  // through the client's onRequest hook with bounded labels.
  const version = (JSON.parse(readFileSync(join(repositoryRoot, "package.json"), "utf8")) as { version: string }).version;
  assert.match(exposition, new RegExp(`^ferry_build_info\\{version="${version.replace(/\./g, "\\.")}",node="${process.version.replace(/\./g, "\\.")}"\\} 1$`, "m"));
  assert.ok(Number(/^process_resident_memory_bytes (\S+)$/m.exec(exposition)?.[1]) > 0, "process_resident_memory_bytes");
  assert.match(exposition, /^ferry_apiserver_requests_total\{verb="LIST",group="",resource="namespaces",subresource="",code="200"\} [1-9]/m, "the informers' lists are counted");
  assert.match(exposition, /^ferry_apiserver_requests_total\{verb="GET",group="",resource="namespaces",subresource="",code="200"\} [1-9]/m, "Ferry's look at its own namespace");
  const requestLines = exposition.split("\n").filter((line) => line.startsWith("ferry_apiserver_requests_total{"));
  assert.ok(!requestLines.some((line) => line.includes(namespace)), "no namespace in a label, though Ferry asked for its own by name");
  assert.match(exposition, /^ferry_watch_last_event_timestamp_seconds\{watch="namespaces"\} \d/m);
});
