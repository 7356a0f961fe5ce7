// What a Helm user expects of an operator chart, rendered with helm template: commonLabels on
// every object, the PodDisruptionBudget, the NetworkPolicy, extra args/env/volumes, the
// PrometheusRule's alerts, ClusterRoles aggregated to view/edit/admin, and a schema that refuses
// unknown values. test/e2e/chart.test.ts applies all of it to the real apiserver.
import assert from "node:assert/strict";
import { test } from "node:test";
import { renderChart, type Manifest } from "../../tools/helm/chart.js";
import { container, deployment, everyToggle, names, only } from "../support/chart-values.js";

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

function alerts(objects: Manifest[]): AlertRule[] {
  const spec = only(objects, "PrometheusRule").spec as { groups: Array<{ name: string; rules: AlertRule[] }> };
  return spec.groups.flatMap((group) => group.rules);
}

test("commonLabels reach every object and the pods; the chart's own label keys are refused", async () => {
  const commonLabels = { "example.com/cost-center": "platform-42", team: "platform" };
  const { objects } = await renderChart({ values: { commonLabels, podLabels: { team: "ferry-maintainers" }, crds: { installForeign: true }, networkPolicy: { enabled: true }, metrics: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true } } } });
  assert.ok(objects.length >= 15, `every template rendered (${objects.length} objects)`);
  for (const object of objects) {
    for (const [key, value] of Object.entries(commonLabels)) assert.equal(object.metadata.labels?.[key], value, `${object.kind} ${object.metadata.name}: ${key}`);
  }
  const pod = deployment(objects).template.metadata.labels;
  assert.equal(pod["example.com/cost-center"], "platform-42", "the pods carry commonLabels");
  assert.equal(pod.team, "ferry-maintainers", "podLabels win over commonLabels for the pods");
  assert.deepEqual(deployment(objects).selector.matchLabels, { "app.kubernetes.io/name": "ferry", "app.kubernetes.io/instance": "ferry" }, "the selector stays as it was");
  for (const key of ["app.kubernetes.io/name", "helm.sh/chart", "ferry.dev/rule"]) {
    await assert.rejects(renderChart({ values: { commonLabels: { [key]: "x" } } }), /commonLabels: .* is the chart's own label/, key);
  }
});

test("a PodDisruptionBudget only when more than one replica runs with leader election", async () => {
  const pdb = (values: Record<string, unknown>) => renderChart({ values }).then(({ objects }) => objects.filter((object) => object.kind === "PodDisruptionBudget"));
  const [byDefault] = await pdb({});
  assert.ok(byDefault, "two replicas with leader election (the default)");
  const spec = byDefault.spec as { minAvailable?: number; maxUnavailable?: unknown; selector: { matchLabels: Record<string, string> } };
  assert.equal(spec.minAvailable, 1);
  assert.equal(spec.maxUnavailable, undefined);
  assert.deepEqual(spec.selector.matchLabels, { "app.kubernetes.io/name": "ferry", "app.kubernetes.io/instance": "ferry" });
  const [percent] = await pdb({ replicas: 4, podDisruptionBudget: { maxUnavailable: "50%" } });
  assert.deepEqual([(percent!.spec as { maxUnavailable: string }).maxUnavailable, (percent!.spec as { minAvailable?: number }).minAvailable], ["50%", undefined], "maxUnavailable replaces minAvailable");
  assert.deepEqual(await pdb({ replicas: 1 }), [], "one pod: a PDB would block every drain");
  assert.deepEqual(await pdb({ leaderElection: { enabled: false } }), [], "without leader election there is one pod");
  assert.deepEqual(await pdb({ podDisruptionBudget: { enabled: false } }), [], "switched off");
});

test("the NetworkPolicy admits only the http port and lets Ferry reach DNS and HTTPS (or what egress lists)", async () => {
  const { objects } = await renderChart({ values: { networkPolicy: { enabled: true } } });
  const policy = only(objects, "NetworkPolicy").spec as {
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: string[];
    ingress: Array<{ ports: Array<{ port: string | number; protocol: string }>; from?: unknown[] }>;
    egress: Array<{ ports: Array<{ port: number; protocol: string }> }>;
  };
  assert.deepEqual(policy.podSelector.matchLabels, deployment(objects).selector.matchLabels);
  assert.deepEqual(policy.policyTypes, ["Ingress", "Egress"]);
  assert.deepEqual(policy.ingress, [{ ports: [{ port: "http", protocol: "TCP" }] }], "the http port, from anywhere by default");
  assert.deepEqual(
    policy.egress.flatMap((rule) => rule.ports.map((port) => `${port.port}/${port.protocol}`)),
    ["53/UDP", "53/TCP", "443/TCP", "6443/TCP"],
  );
  const custom = (await renderChart({ values: everyToggle("ferry-system") })).objects;
  const customSpec = only(custom, "NetworkPolicy").spec as { ingress: Array<{ from: unknown[] }>; egress: unknown[] };
  assert.deepEqual(customSpec.ingress[0]!.from, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }]);
  assert.deepEqual(customSpec.egress[1], { to: [{ ipBlock: { cidr: "10.0.0.1/32" } }], ports: [{ port: 6443, protocol: "TCP" }] });
});

test("extraEnv, extraEnvFrom, extraVolumes and extraVolumeMounts reach the pod beside the chart's own", async () => {
  const { objects } = await renderChart({ values: everyToggle("ferry-system") });
  const main = container(objects);
  assert.deepEqual(main.env?.map((e) => e.name), ["POD_NAME", "POD_NAMESPACE", "awsregion", "DOCKER_USER"]);
  assert.deepEqual(main.envFrom, [{ secretRef: { name: "registry-creds-env", optional: true } }]);
  assert.deepEqual(main.volumeMounts, [
    { name: "tmp", mountPath: "/tmp" },
    { name: "ca-bundle", mountPath: "/etc/ssl/corporate", readOnly: true },
  ]);
  const volumes = (deployment(objects).template.spec as unknown as { volumes: Array<{ name: string }> }).volumes;
  assert.deepEqual(volumes.map((volume) => volume.name), ["tmp", "ca-bundle"]);
});

test("the PrometheusRule alerts on expiring credentials, silent watches, failing and conflicting copies and unreachable members", async () => {
  const byDefault = alerts((await renderChart({ values: { metrics: { prometheusRule: { enabled: true } } } })).objects);
  assert.deepEqual(byDefault.map((rule) => rule.alert), ["FerryRegistryCredentialExpiring", "FerryWatchSilent", "FerryCopiesFailing", "FerryCopiesInConflict", "FerryMemberUnreachable"]);
  const rule = (name: string) => byDefault.find((r) => r.alert === name)!;
  assert.equal(rule("FerryRegistryCredentialExpiring").expr, "ferry_registry_credential_expiry_timestamp_seconds - time() < 600");
  assert.equal(rule("FerryWatchSilent").expr, "time() - ferry_watch_last_event_timestamp_seconds > 600");
  assert.equal(rule("FerryCopiesFailing").expr, 'ferry_copies{state="failed"} > 0');
  assert.equal(rule("FerryCopiesFailing").for, "15m");
  assert.equal(rule("FerryCopiesInConflict").labels.severity, "info");
  assert.equal(rule("FerryMemberUnreachable").expr, "ferry_member_reachable == 0");
  for (const r of byDefault) {
    assert.ok(r.annotations.summary && r.annotations.description, `${r.alert}: summary and description`);
    assert.equal(r.annotations.runbook_url, `https://github.com/ferry-dev/ferry/blob/main/docs/metrics.md#${r.alert.toLowerCase()}`);
  }

  const tuned = alerts((await renderChart({ values: everyToggle("ferry-system") })).objects);
  assert.ok(!tuned.some((r) => r.alert === "FerryCopiesInConflict"), "disabledAlerts leaves one out");
  assert.match(tuned.find((r) => r.alert === "FerryRegistryCredentialExpiring")!.expr, /< 1200$/);
  assert.match(tuned.find((r) => r.alert === "FerryWatchSilent")!.expr, /> 900$/);
  assert.equal(tuned.find((r) => r.alert === "FerryCopiesFailing")!.for, "30m");
  assert.equal(tuned.find((r) => r.alert === "FerryMemberUnreachable")!.for, "5m");
  for (const r of tuned) assert.equal(r.labels.team, "platform", `${r.alert}: alertLabels`);
  await assert.rejects(renderChart({ values: { metrics: { prometheusRule: { enabled: true, disabledAlerts: ["FerryIsSad"] } } } }), /FerryIsSad is not one of Ferry's alerts/);
  const none = await renderChart({ values: { metrics: { prometheusRule: { enabled: true, disabledAlerts: byDefault.map((r) => r.alert) } } } });
  assert.deepEqual(names(none.objects, "PrometheusRule"), [], "no rule left: no empty PrometheusRule");
});

test("ClusterRoles aggregated to view/edit/admin cover Distributions only, and can be left out", async () => {
  const { objects } = await renderChart({});
  const role = (name: string) => objects.find((object) => object.kind === "ClusterRole" && object.metadata.name === name)!;
  const aggregation = (object: Manifest) =>
    Object.entries(object.metadata.labels ?? {})
      .filter(([key, value]) => key.startsWith("rbac.authorization.k8s.io/aggregate-to-") && value === "true")
      .map(([key]) => key.replace("rbac.authorization.k8s.io/aggregate-to-", ""))
      .sort();
  assert.deepEqual(aggregation(role("ferry-view")), ["admin", "edit", "view"]);
  assert.deepEqual(aggregation(role("ferry-edit")), ["admin", "edit"]);
  assert.deepEqual(aggregation(role("ferry")), [], "Ferry's own role is aggregated nowhere");
  assert.deepEqual(role("ferry-view").rules, [{ apiGroups: ["ferry.dev"], resources: ["distributions", "distributions/status"], verbs: ["get", "list", "watch"] }]);
  assert.deepEqual(role("ferry-edit").rules, [{ apiGroups: ["ferry.dev"], resources: ["distributions"], verbs: ["create", "update", "patch", "delete", "deletecollection"] }]);
  const off = (await renderChart({ values: { rbac: { aggregateClusterRoles: false } } })).objects;
  assert.deepEqual(names(off, "ClusterRole"), ["ferry"]);
});

test("values.schema.json refuses unknown and malformed values instead of ignoring them", async () => {
  await assert.rejects(renderChart({ values: { replica: 3 } }), /additional properties 'replica' not allowed|replica/);
  await assert.rejects(renderChart({ values: { metrics: { prometheusRule: { enable: true } } } }), /enable/);
  await assert.rejects(renderChart({ values: { extraArgs: ["no-registry"] } }), /extraArgs/);
  await assert.rejects(renderChart({ values: { podDisruptionBudget: { minAvailable: true } } }), /minAvailable/);
  await assert.rejects(renderChart({ values: { metrics: { prometheusRule: { copiesFailingFor: "a while" } } } }), /copiesFailingFor/);
});
