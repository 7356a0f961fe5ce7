// The Helm chart (charts/ferry): helm lint and helm template with the defaults and with every
// toggle on, least-privilege RBAC exactly as charts/ferry/files/rbac.yaml lists it, and the
// rendered manifests applied to the real control plane (server-side dry-run, then for real).
// helm comes from tools/helm/install.sh (built from the Go module proxy); if it cannot be
// installed these tests fail, they do not skip.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { waitFor } from "../../src/util/wait-for.js";
import { chartDir, chartRbac, expectedRbacRules, lintChart, renderChart, type Manifest, type PolicyRule } from "../../tools/helm/chart.js";
import { FOREIGN_CRDS, NATIVE_CRDS, container, deployment, everyToggle, names, only } from "../support/chart-values.js";
import { allowed, applyToCluster, assertCrdsEstablished, installMonitoringCrds, kubectl } from "../support/chart-cluster.js";
import { adminClient, createNamespace, uniqueName } from "../support/cluster.js";

const chart = parse(readFileSync(join(chartDir, "Chart.yaml"), "utf8")) as { appVersion: string; version: string };

function rulesOf(object: Manifest): PolicyRule[] {
  return (object.rules as PolicyRule[]).map((rule) => JSON.parse(JSON.stringify(rule)) as PolicyRule);
}

test("helm lint --strict passes with the defaults and with every toggle on", async () => {
  await lintChart();
  await lintChart(everyToggle("ferry-lint"));
  await lintChart({ leaderElection: { enabled: false }, crds: { install: false }, rbac: { create: false }, serviceAccount: { create: false, name: "existing" }, metrics: { service: { enabled: false } } });
});

test("the chart refuses values that would break Ferry", async () => {
  await assert.rejects(renderChart({ values: { leaderElection: { enabled: false }, replicas: 2 } }), /replicas > 1 needs leaderElection\.enabled/);
  await assert.rejects(renderChart({ values: { serviceAccount: { create: false } } }), /serviceAccount\.name is required/);
  await assert.rejects(renderChart({ values: { policy: "permissive" } }), /policy/);
  await assert.rejects(renderChart({ values: { dialects: ["nonsense"] } }), /dialects/);
  await assert.rejects(renderChart({ values: { metrics: { service: { enabled: false }, serviceMonitor: { enabled: true } } } }), /needs metrics\.service\.enabled/);
});

test("helm template with the defaults: a hardened Deployment running the Dockerfile's image, its RBAC, metrics Service, PDB and Ferry's CRDs", async () => {
  const { objects } = await renderChart({ release: "ferry", namespace: "ferry-system" });
  assert.deepEqual(names(objects, "CustomResourceDefinition"), [...NATIVE_CRDS].sort(), "Ferry's own CRDs only: installForeign is off by default");
  for (const crd of objects.filter((object) => object.kind === "CustomResourceDefinition")) {
    assert.equal(crd.metadata.annotations?.["helm.sh/resource-policy"], "keep", crd.metadata.name);
    assert.equal(crd.metadata.labels?.["ferry.dev/installed-by"], "ferry", `${crd.metadata.name}: labelled as Ferry's runtime installer does`);
    assert.equal(crd.metadata.labels?.["app.kubernetes.io/managed-by"], "Helm");
  }
  assert.deepEqual(names(objects, "ServiceAccount"), ["ferry"]);
  assert.deepEqual(names(objects, "ClusterRole"), ["ferry", "ferry-edit", "ferry-view"], "Ferry's own and the two aggregated to view/edit/admin");
  assert.deepEqual(names(objects, "ClusterRoleBinding"), ["ferry"]);
  assert.deepEqual(names(objects, "Role"), ["ferry-leader-election"]);
  assert.deepEqual(names(objects, "RoleBinding"), ["ferry-leader-election"]);
  assert.deepEqual(names(objects, "Service"), ["ferry-metrics"]);
  assert.deepEqual(names(objects, "PodDisruptionBudget"), ["ferry"], "two replicas with leader election get a PDB");
  for (const kind of ["ServiceMonitor", "PrometheusRule", "NetworkPolicy"]) assert.deepEqual(names(objects, kind), [], `no ${kind} unless asked`);
  for (const object of objects.filter((o) => !["CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"].includes(o.kind))) {
    assert.equal(object.metadata.namespace, "ferry-system", `${object.kind} ${object.metadata.name} in Ferry's namespace`);
  }

  const spec = deployment(objects);
  assert.equal(spec.replicas, 2, "two replicas with leader election");
  assert.equal(spec.strategy.type, "RollingUpdate");
  assert.equal(spec.template.spec.serviceAccountName, "ferry");
  assert.deepEqual(spec.template.spec.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } });
  const main = container(objects);
  assert.equal(main.image, `ghcr.io/ferry-dev/ferry:${chart.appVersion}`, "the Dockerfile's image, tagged with the appVersion");
  assert.deepEqual(main.args, [
    "run",
    "--ferry-namespace=ferry-system",
    "--policy=guarded",
    "--concurrency=32",
    "--qps=0",
    "--burst=400",
    "--health-port=8080",
    "--log-level=info",
    "--log-format=json",
    "--no-install-crds",
    "--leader-elect",
    "--lease-duration=15",
  ]);
  assert.deepEqual(main.securityContext, {
    runAsNonRoot: true,
    runAsUser: 65532,
    runAsGroup: 65532,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  });
  assert.deepEqual(main.ports, [{ name: "http", containerPort: 8080, protocol: "TCP" }]);
  assert.equal(main.livenessProbe?.httpGet.path, "/healthz");
  assert.equal(main.startupProbe?.httpGet.path, "/healthz");
  assert.equal(main.readinessProbe?.httpGet.path, "/readyz");
  assert.ok(main.resources.requests?.cpu && main.resources.requests.memory && main.resources.limits?.memory, "requests and a memory limit");
  assert.deepEqual(main.volumeMounts, [{ name: "tmp", mountPath: "/tmp" }], "a writable /tmp beside the read-only root");

  const service = only(objects, "Service");
  assert.deepEqual((service.spec as { selector: Record<string, string> }).selector, spec.selector.matchLabels);
});

test("helm template with every toggle on: each value reaches the manifest", async () => {
  const { objects } = await renderChart({ release: "ops", namespace: "default", values: everyToggle("platform-ferry") });
  for (const object of objects.filter((o) => !["CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"].includes(o.kind))) {
    assert.equal(object.metadata.namespace, "platform-ferry", `${object.kind} ${object.metadata.name} honours namespaceOverride`);
  }
  const spec = deployment(objects);
  assert.equal(spec.replicas, 3);
  assert.equal(spec.template.spec.serviceAccountName, "ferry-operator");
  assert.equal(spec.template.metadata.labels.team, "platform");
  const main = container(objects);
  assert.equal(main.image, `registry.example.com/platform/ferry@sha256:${"ab".repeat(32)}`, "a digest wins over the tag");
  assert.deepEqual(main.args, [
    "run",
    "--ferry-namespace=platform-ferry",
    "--policy=strict",
    "--cluster-name=prod-eu-1",
    "--concurrency=8",
    "--qps=50",
    "--burst=100",
    "--health-port=9090",
    "--log-level=debug",
    "--log-format=json",
    "--dialects=native,kruise,kruise-rd,stakater,registry-creds",
    "--serve-foreign-crds",
    "--leader-elect",
    "--lease-duration=30",
    "--no-registry",
    "--hub",
  ], "extraArgs come after the chart's own flags");
  assert.deepEqual(main.ports, [{ name: "http", containerPort: 9090, protocol: "TCP" }]);
  assert.deepEqual(
    main.env?.map((e) => e.name),
    ["POD_NAME", "POD_NAMESPACE", "awsregion", "DOCKER_USER"],
  );
  assert.deepEqual(main.envFrom, [{ secretRef: { name: "registry-creds-env", optional: true } }]);
  const account = only(objects, "ServiceAccount");
  assert.equal(account.metadata.annotations?.["eks.amazonaws.com/role-arn"], "arn:aws:iam::123456789012:role/ferry");

  const service = only(objects, "Service");
  const monitor = only(objects, "ServiceMonitor");
  assert.equal(monitor.apiVersion, "monitoring.coreos.com/v1");
  assert.equal(monitor.metadata.labels?.release, "prometheus");
  const monitorSpec = monitor.spec as { selector: { matchLabels: Record<string, string> }; namespaceSelector: { matchNames: string[] }; endpoints: Array<Record<string, unknown>> };
  for (const [key, value] of Object.entries(monitorSpec.selector.matchLabels)) {
    assert.equal(service.metadata.labels?.[key], value, `the ServiceMonitor selects the metrics Service (${key})`);
  }
  assert.deepEqual(monitorSpec.namespaceSelector.matchNames, ["platform-ferry"]);
  const ports = (service.spec as { ports: Array<{ name: string; port: number }> }).ports;
  assert.deepEqual(ports.map((p) => [p.name, p.port]), [["http", 9100]]);
  assert.equal(monitorSpec.endpoints[0]?.port, "http");
  assert.equal(monitorSpec.endpoints[0]?.path, "/metrics");
  assert.equal(monitorSpec.endpoints[0]?.interval, "15s");
  assert.ok(monitorSpec.endpoints[0]?.relabelings && monitorSpec.endpoints[0]?.metricRelabelings);
});

test("values switch parts off: CRDs, foreign CRDs, keep, leader election, RBAC, metrics Service", async () => {
  const noCrds = (await renderChart({ values: { crds: { install: false } } })).objects;
  assert.deepEqual(names(noCrds, "CustomResourceDefinition"), []);
  const withForeign = (await renderChart({ values: { crds: { installForeign: true } } })).objects;
  assert.deepEqual(names(withForeign, "CustomResourceDefinition"), [...NATIVE_CRDS, ...FOREIGN_CRDS].sort());
  const notKept = (await renderChart({ values: { crds: { keep: false } } })).objects;
  for (const crd of notKept.filter((object) => object.kind === "CustomResourceDefinition")) assert.equal(crd.metadata.annotations?.["helm.sh/resource-policy"], undefined);

  const single = (await renderChart({ values: { leaderElection: { enabled: false } } })).objects;
  assert.equal(deployment(single).replicas, 1, "one replica without leader election");
  assert.equal(deployment(single).strategy.type, "Recreate", "never two writers during an update");
  assert.ok(!container(single).args.includes("--leader-elect"));
  assert.deepEqual(names(single, "Role"), []);
  assert.deepEqual(names(single, "RoleBinding"), []);

  const runtimeCrds = (await renderChart({ values: { crds: { manageAtRuntime: true } } })).objects;
  assert.ok(!container(runtimeCrds).args.includes("--no-install-crds"));

  const noRbac = (await renderChart({ values: { rbac: { create: false }, serviceAccount: { create: false, name: "ferry-by-hand" } } })).objects;
  for (const kind of ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ServiceAccount"]) assert.deepEqual(names(noRbac, kind), [], kind);
  assert.equal(deployment(noRbac).template.spec.serviceAccountName, "ferry-by-hand");

  const noService = (await renderChart({ values: { metrics: { service: { enabled: false } } } })).objects;
  assert.deepEqual(names(noService, "Service"), []);
});

test("the rendered ClusterRole and Role grant exactly the rules of files/rbac.yaml, each with its reason", async () => {
  for (const overrides of [{}, { crds: { manageAtRuntime: true } }, { leaderElection: { enabled: false } }] as Array<Record<string, unknown>>) {
    const { manifest, objects } = await renderChart({ values: overrides });
    const expected = expectedRbacRules(overrides);
    const ferryRole = objects.find((object) => object.kind === "ClusterRole" && object.metadata.name === "ferry");
    assert.ok(ferryRole, "Ferry's ClusterRole");
    assert.deepEqual(rulesOf(ferryRole), expected.cluster, `ClusterRole with ${JSON.stringify(overrides)}`);
    const roles = objects.filter((object) => object.kind === "Role");
    assert.deepEqual(roles.length > 0 ? rulesOf(roles[0]!) : [], expected.leaderElection, `Role with ${JSON.stringify(overrides)}`);
    // Each granted rule carries its reason as a comment in the rendered manifest.
    const comments = manifest.replace(/\n# /g, " ");
    const rbac = chartRbac();
    for (const rule of [...rbac.clusterRules, ...rbac.leaderElectionRules]) {
      const granted = [...expected.cluster, ...expected.leaderElection].some((r) => JSON.stringify(r.resources) === JSON.stringify(rule.resources) && JSON.stringify(r.verbs) === JSON.stringify(rule.verbs));
      if (granted) assert.ok(comments.includes(rule.reason.replace(/\s+/g, " ").trim()), `reason rendered: ${rule.reason.slice(0, 60)}`);
    }
  }
  // Least privilege, spelled out: what Ferry must not be able to do with the defaults.
  const granted = expectedRbacRules().cluster;
  const grants = (group: string, resource: string, verb: string) => granted.some((rule) => rule.apiGroups.includes(group) && rule.resources.includes(resource) && rule.verbs.includes(verb));
  for (const [group, resource, verb] of [
    ["", "secrets", "patch"],
    ["", "secrets", "deletecollection"],
    ["", "namespaces", "create"],
    ["", "namespaces", "delete"],
    ["", "events", "patch"],
    ["ferry.dev", "distributions", "update"],
    ["ferry.dev", "clusterdistributions", "delete"],
    ["apiextensions.k8s.io", "customresourcedefinitions", "get"],
    ["apiextensions.k8s.io", "customresourcedefinitions", "create"],
    ["coordination.k8s.io", "leases", "get"],
  ] as const) {
    assert.ok(!grants(group, resource, verb), `the ClusterRole must not grant ${verb} on ${group || "core"}/${resource}`);
  }
  assert.ok(granted.every((rule) => !rule.verbs.includes("*") && !rule.resources.includes("*") && !rule.apiGroups.includes("*")), "no wildcards");
});

test("the rendered chart applies to the real control plane: server-side dry-run, then for real, and its RBAC works", async (t) => {
  const kube = await adminClient();
  // Enforce the restricted Pod Security Standard: the apiserver then warns about any pod template
  // that would be refused (for a Deployment it warns rather than rejects).
  const podSecurity = { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted" };
  const namespace = await createNamespace(t, "chart", podSecurity);
  const release = uniqueName("ferry");
  const { objects } = await renderChart({ release, namespace });

  // The check is live: a pod template that breaks the restricted profile does draw a warning.
  const weak = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "weak", namespace },
    spec: {
      selector: { matchLabels: { app: "weak" } },
      template: { metadata: { labels: { app: "weak" } }, spec: { containers: [{ name: "c", image: "example.com/weak:1" }] } },
    },
  };
  const weakRun = await kubectl(["apply", "--server-side", "--dry-run=server", "-f", "-"], JSON.stringify(weak));
  assert.match(weakRun.stderr, /would violate PodSecurity "restricted/);

  const warnings = await applyToCluster(t, release, objects);
  assert.doesNotMatch(warnings, /PodSecurity/, "the chart's pod template meets the restricted Pod Security Standard");
  assert.doesNotMatch(warnings, /deprecated/i, "no deprecated API or field");

  await assertCrdsEstablished(kube, NATIVE_CRDS);
  for (const role of ["view", "edit"]) await kube.get(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${release}-${role}`);
  const applied = await kube.get<{ spec: { replicas: number; template: { spec: { serviceAccountName: string } } } }>(`/apis/apps/v1/namespaces/${namespace}/deployments/${release}`);
  assert.equal(applied.spec.replicas, 2);
  assert.equal(applied.spec.template.spec.serviceAccountName, release);
  await kube.get(`/api/v1/namespaces/${namespace}/serviceaccounts/${release}`);
  await kube.get(`/api/v1/namespaces/${namespace}/services/${release}-metrics`);
  const clusterRole = await kube.get<{ rules: PolicyRule[] }>(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${release}`);
  assert.deepEqual(
    clusterRole.rules.map((rule) => JSON.parse(JSON.stringify(rule)) as PolicyRule),
    expectedRbacRules().cluster,
    "the ClusterRole stored in the cluster is files/rbac.yaml's",
  );
  await kube.get(`/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${release}`);
  await kube.get(`/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles/${release}-leader-election`);
  await kube.get(`/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings/${release}-leader-election`);
  // Ferry's API is served once the chart's CRDs are in.
  await waitFor(() => kube.get(`/apis/ferry.dev/v1alpha1/namespaces/${namespace}/distributions`), { timeoutMs: 30_000, description: "Distributions served" });

  // The apiserver's RBAC grants the chart's ServiceAccount each listed verb, and nothing beyond.
  const account = { namespace, name: release };
  const other = "kube-public";
  for (const rule of expectedRbacRules().cluster) {
    for (const group of rule.apiGroups) {
      for (const resource of rule.resources) {
        const [plural, subresource] = resource.split("/") as [string, string | undefined];
        for (const verb of rule.verbs) {
          assert.ok(await allowed(kube, account, { verb, group, resource: plural!, subresource, namespace: other }), `${verb} ${group}/${resource} (any namespace)`);
        }
      }
    }
  }
  for (const verb of ["get", "update"]) assert.ok(await allowed(kube, account, { verb, group: "coordination.k8s.io", resource: "leases", namespace, name: "ferry-leader" }), `${verb} its Lease`);
  assert.ok(await allowed(kube, account, { verb: "create", group: "coordination.k8s.io", resource: "leases", namespace }), "create its Lease");
  const denied: Array<Parameters<typeof allowed>[2]> = [
    { verb: "update", group: "coordination.k8s.io", resource: "leases", namespace, name: "someone-elses-lease" },
    { verb: "get", group: "coordination.k8s.io", resource: "leases", namespace: other, name: "ferry-leader" },
    { verb: "create", group: "coordination.k8s.io", resource: "leases", namespace: other },
    { verb: "patch", resource: "secrets", namespace: other },
    { verb: "deletecollection", resource: "configmaps", namespace: other },
    { verb: "create", resource: "namespaces" },
    { verb: "delete", resource: "namespaces", name: namespace },
    { verb: "create", resource: "pods", namespace },
    { verb: "update", group: "ferry.dev", resource: "clusterdistributions" },
    { verb: "update", group: "ferry.dev", resource: "distributions", subresource: "status", namespace: other },
    { verb: "patch", group: "tenantoperator.stakater.com", resource: "templates", subresource: "status" },
    { verb: "get", group: "apiextensions.k8s.io", resource: "customresourcedefinitions" },
    { verb: "patch", group: "apiextensions.k8s.io", resource: "customresourcedefinitions" },
    { verb: "create", group: "rbac.authorization.k8s.io", resource: "clusterrolebindings" },
  ];
  for (const attributes of denied) assert.equal(await allowed(kube, account, attributes), false, `denied: ${JSON.stringify(attributes)}`);
});

test("the chart with every toggle on applies to the real control plane (dry-run, then for real)", async (t) => {
  const kube = await adminClient();
  const namespace = await createNamespace(t, "chart-all", { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted" });
  const release = uniqueName("ferry");
  const { objects } = await renderChart({ release, namespace: "default", values: everyToggle(namespace) });
  // prometheus-operator's own CRDs validate the ServiceMonitor and the PrometheusRule.
  await installMonitoringCrds();
  const kinds = new Set(objects.map((object) => object.kind));
  for (const kind of ["ServiceMonitor", "PrometheusRule", "NetworkPolicy", "PodDisruptionBudget", "CustomResourceDefinition", "ClusterRole"]) assert.ok(kinds.has(kind), `${kind} rendered`);
  const warnings = await applyToCluster(t, release, objects);
  assert.doesNotMatch(warnings, /PodSecurity/);
  const applied = await kube.get<{ spec: { replicas: number } }>(`/apis/apps/v1/namespaces/${namespace}/deployments/${release}`);
  assert.equal(applied.spec.replicas, 3);
  for (const path of [
    `/apis/policy/v1/namespaces/${namespace}/poddisruptionbudgets/${release}`,
    `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies/${release}`,
    `/apis/monitoring.coreos.com/v1/namespaces/${namespace}/servicemonitors/${release}`,
    `/apis/monitoring.coreos.com/v1/namespaces/${namespace}/prometheusrules/${release}`,
  ]) {
    const stored = await kube.get<{ metadata: { labels: Record<string, string> } }>(path);
    assert.equal(stored.metadata.labels["example.com/cost-center"], "platform-42", `${path} carries commonLabels`);
  }
  const clusterRole = await kube.get<{ rules: PolicyRule[] }>(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${release}`);
  assert.deepEqual(
    clusterRole.rules.map((rule) => JSON.parse(JSON.stringify(rule)) as PolicyRule),
    expectedRbacRules({ crds: { manageAtRuntime: true } }).cluster,
  );
  const account = { namespace, name: "ferry-operator" };
  for (const verb of ["get", "create", "patch"]) {
    assert.ok(await allowed(kube, account, { verb, group: "apiextensions.k8s.io", resource: "customresourcedefinitions" }), `crds.manageAtRuntime grants ${verb} on CRDs`);
  }
  assert.equal(await allowed(kube, account, { verb: "delete", group: "apiextensions.k8s.io", resource: "customresourcedefinitions" }), false);
});
