// Multi-cluster faults on three real control planes (the shared one is the hub): a member cut
// off while the hub changes, the hub restarted mid-push, and member credentials with too little
// RBAC. Nothing may be lost, duplicated or orphaned, and each member's trouble stays its own.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { SOURCE_CLUSTER_LABEL } from "../../../src/core/marks.js";
import type { KubeObject } from "../../../src/kube/informer.js";
import { startHub } from "../../../src/multicluster/index.js";
import { FerryMetrics } from "../../../src/ops/metrics.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { adminClient, uniqueName } from "../../support/cluster.js";
import { createConfigMap, createSecret, deleteObject, deleteResource, eventsFor, patchObject, secretValue, testLogPath } from "../../support/ferry.js";
import {
  FERRY_NS,
  copiesBy,
  counterSum,
  listMember,
  memberPki,
  memberStatus,
  publishedStatus,
  register,
  startMemberClusters,
  startTestHub,
  stopMemberClusters,
  testLogger,
  tokenKubeconfig,
  waitForMemberGone,
  waitForMemberObject,
  waitForStatus,
  type MemberCluster,
} from "./support.js";

const CD_PATH = "/apis/ferry.dev/v1alpha1/clusterdistributions";
const value = (object: KubeObject) => (object.data as Record<string, string> | undefined)?.v;

async function parallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

/** The hub's copies in a member's Ferry namespace, as name -> data.v. */
async function pushedConfigMaps(member: MemberCluster, hubName: string, prefix = ""): Promise<Map<string, string | undefined>> {
  const items = await listMember(member, "ConfigMap", copiesBy(hubName), FERRY_NS);
  return new Map(items.filter((item) => item.metadata.name.startsWith(prefix)).map((item) => [item.metadata.name, value(item)]));
}

describe("multi-cluster faults", () => {
  let members: MemberCluster[] = [];
  before(async () => {
    members = await startMemberClusters(["member-1", "member-2"]);
  });
  after(() => stopMemberClusters(members));

  test("partition: a member whose API server is down is reported and retried while the other is served; when it returns it converges, deletes made meanwhile included", async (t) => {
    const [m1, m2] = members as [MemberCluster, MemberCluster];
    const hubName = uniqueName("hub");
    for (const member of members) await register(t, member.name, { kubeconfig: member.kubeconfig });
    const hub = await startTestHub(t, { hubName });
    const [a, b, c] = [uniqueName("cfg-a"), uniqueName("cfg-b"), uniqueName("cfg-c")];
    for (const name of [a, b, c]) t.after(() => deleteObject("ConfigMap", FERRY_NS, name));
    await createConfigMap(FERRY_NS, a, { v: "1" }, { annotations: { "mw-sync": "yes" } });
    await createConfigMap(FERRY_NS, b, { v: "1" }, { annotations: { "mw-sync": "yes" } });
    for (const member of members) for (const name of [a, b]) await waitForMemberObject(member, "ConfigMap", FERRY_NS, name);

    await m1.plane.stop("apiserver");
    t.after(() => m1.plane.start("apiserver"));
    const down = await waitForStatus(hub, m1.name, (s) => !s.reachable && s.lastError !== null, "unreachable");
    assert.match(down.lastError!, /unreachable/);
    await waitFor(async () => (await publishedStatus(m1.name))?.reachable === false, { timeoutMs: 10_000, description: "published: member-1 unreachable" });

    // Changes on the hub while member-1 is cut off: member-2 follows at once.
    await patchObject("ConfigMap", FERRY_NS, a, { data: { v: "2" } });
    await deleteObject("ConfigMap", FERRY_NS, b);
    await createConfigMap(FERRY_NS, c, { v: "1" }, { annotations: { "mw-sync": "yes" } });
    await waitForMemberObject(m2, "ConfigMap", FERRY_NS, a, (o) => value(o) === "2");
    await waitForMemberObject(m2, "ConfigMap", FERRY_NS, c);
    await waitForMemberGone(m2, "ConfigMap", FERRY_NS, b);
    await waitForStatus(hub, m2.name, (s) => s.reachable && s.inSync && s.lastError === null, "in sync while member-1 is down");
    assert.equal(memberStatus(hub, m1.name)?.reachable, false);

    // member-1 returns: it converges, including the delete it missed.
    await m1.plane.start("apiserver");
    await waitForMemberObject(m1, "ConfigMap", FERRY_NS, a, (o) => value(o) === "2");
    await waitForMemberObject(m1, "ConfigMap", FERRY_NS, c);
    await waitForMemberGone(m1, "ConfigMap", FERRY_NS, b);
    await waitForStatus(hub, m1.name, (s) => s.reachable && s.inSync && s.lastError === null, "reachable and in sync again");
    assert.deepEqual([...(await pushedConfigMaps(m1, hubName)).keys()].filter((name) => [a, b, c].includes(name)).sort(), [a, c].sort());
    // The outage and the recovery are Events on the registration Secret.
    await waitFor(
      async () => {
        const reasons = (await eventsFor(FERRY_NS, m1.name)).map((event) => event.reason);
        return reasons.includes("MemberUnreachable") && reasons.includes("MemberRecovered");
      },
      { timeoutMs: 10_000, description: "MemberUnreachable and MemberRecovered Events on member-1's registration" },
    ).catch(async (error: Error) => Promise.reject(new Error(`${error.message}: ${JSON.stringify(await eventsFor(FERRY_NS, m1.name))}`)));
  });

  test("hub restart mid-push: a new hub converges with no duplicate and no orphan, including sources deleted and changed while no hub ran", async (t) => {
    const [m1] = members as [MemberCluster];
    const hubName = uniqueName("hub");
    await register(t, m1.name, { kubeconfig: m1.kubeconfig });
    const prefix = uniqueName("bulk");
    const names = Array.from({ length: 150 }, (_, i) => `${prefix}-${String(i).padStart(3, "0")}`);
    const admin = await adminClient();
    t.after(() => parallel(names, 16, (name) => deleteObject("ConfigMap", FERRY_NS, name)));
    await parallel(names, 16, (name) => createConfigMap(FERRY_NS, name, { v: "1" }, { annotations: { "mw-sync": "yes" } }));

    // A slow hub (rate limited toward the member), stopped while the push is in flight.
    const first = await startHub({ client: admin, logger: testLogger("hub-1"), ferryNamespace: FERRY_NS, hubName, concurrency: 4, memberClientOptions: { qps: 20, burst: 2 } });
    t.after(() => first.stop());
    await waitFor(async () => (await pushedConfigMaps(m1, hubName, `${prefix}-`)).size >= 20, { timeoutMs: 30_000, description: "the push to be under way" });
    await first.stop();
    const pushedAtStop = (await pushedConfigMaps(m1, hubName, `${prefix}-`)).size;
    assert.ok(pushedAtStop < names.length, `the push finished (${pushedAtStop}) before the hub was stopped`);

    // While no hub runs: delete 30 sources (pushed ones among them) and change 20 others.
    const deleted = names.slice(0, 30);
    const changed = names.slice(100, 120);
    await parallel(deleted, 16, (name) => deleteObject("ConfigMap", FERRY_NS, name));
    await parallel(changed, 16, (name) => patchObject("ConfigMap", FERRY_NS, name, { data: { v: "2" } }));
    const expected = new Map(names.filter((name) => !deleted.includes(name)).map((name) => [name, changed.includes(name) ? "2" : "1"]));

    const metrics = new FerryMetrics({ defaultMetrics: false });
    const second = await startTestHub(t, { hubName, metrics });
    await waitFor(
      async () => {
        const pushed = await pushedConfigMaps(m1, hubName, `${prefix}-`);
        return pushed.size === expected.size && [...expected].every(([name, v]) => pushed.get(name) === v);
      },
      { timeoutMs: 60_000, description: "member-1 to hold exactly the remaining sources, current" },
    );
    await waitForStatus(second, m1.name, (s) => s.inSync && s.objectsInSync >= expected.size, "in sync");
    // Orphans and duplicates would show here: every object of this test's sources the hub marked is an expected one.
    const all = (await listMember(m1, "ConfigMap", copiesBy(hubName))).filter((item) => item.metadata.name.startsWith(`${prefix}-`));
    assert.equal(all.length, expected.size);
    assert.ok(all.every((item) => item.metadata.namespace === FERRY_NS && expected.has(item.metadata.name)));
    // And the fixed point holds: a resync writes nothing.
    const writes = await counterSum(metrics.registry, "ferry_member_writes_total");
    await second.resync();
    assert.equal(await counterSum(metrics.registry, "ferry_member_writes_total"), writes);
  });

  test("RBAC: a member credential limited to ferry-system serves pushes; one allowed nothing gets a clear error of its own; other members are unaffected; no credential leaks", async (t) => {
    const [m1, m2] = members as [MemberCluster, MemberCluster];
    const hubName = uniqueName("hub");
    // On member-2: the minimal Role of docs/multicluster.md for one ServiceAccount, nothing for another.
    const limitedSa = uniqueName("ferry-hub");
    const nothingSa = uniqueName("nobody");
    for (const sa of [limitedSa, nothingSa]) {
      await m2.client.request("POST", `/api/v1/namespaces/${FERRY_NS}/serviceaccounts`, { body: { metadata: { name: sa } } });
    }
    await m2.client.request("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${FERRY_NS}/roles`, {
      body: {
        metadata: { name: limitedSa },
        rules: [{ apiGroups: [""], resources: ["secrets", "configmaps"], verbs: ["list", "watch", "create", "update", "delete"] }],
      },
    });
    await m2.client.request("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${FERRY_NS}/rolebindings`, {
      body: {
        metadata: { name: limitedSa },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: limitedSa },
        subjects: [{ kind: "ServiceAccount", name: limitedSa, namespace: FERRY_NS }],
      },
    });
    const token = async (sa: string) =>
      (
        await m2.client.request<{ status: { token: string } }>("POST", `/api/v1/namespaces/${FERRY_NS}/serviceaccounts/${sa}/token`, {
          body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
        })
      ).status.token;
    const limitedToken = await token(limitedSa);
    const nothingToken = await token(nothingSa);

    await register(t, "m1-admin", { kubeconfig: m1.kubeconfig });
    // The limited credential in Argo CD's format (bearer token and CA), in Ferry's namespace.
    await register(
      t,
      "m2-limited",
      { name: "m2-limited", server: m2.plane.server, config: JSON.stringify({ bearerToken: limitedToken, tlsClientConfig: { caData: memberPki(m2).caData } }) },
      { labels: { "argocd.argoproj.io/secret-type": "cluster", tier: "limited" } },
    );
    await register(t, "m2-none", { kubeconfig: tokenKubeconfig(m2, nothingToken) });
    const metrics = new FerryMetrics({ defaultMetrics: false });
    const hub = await startTestHub(t, { hubName, metrics });
    // mw-sync objects another test left in the shared hub's ferry-system are pushed too: count relative to them.
    const base = (await waitForStatus(hub, "m2-limited", (s) => s.inSync, "in sync")).objectsInSync;

    const secretName = uniqueName("regcred");
    const password = "hunter2-rbac-test-password";
    await createSecret(FERRY_NS, secretName, { password }, { annotations: { "mw-sync": "yes" } });
    t.after(() => deleteObject("Secret", FERRY_NS, secretName));

    const onM1 = await waitForMemberObject(m1, "Secret", FERRY_NS, secretName);
    const onM2 = await waitForMemberObject(m2, "Secret", FERRY_NS, secretName);
    assert.equal(secretValue(onM1, "password"), password);
    assert.equal(secretValue(onM2, "password"), password);
    assert.equal(onM2.metadata.labels?.[SOURCE_CLUSTER_LABEL], hubName);
    await waitForStatus(hub, "m1-admin", (s) => s.inSync && s.lastError === null, "in sync");
    await waitForStatus(hub, "m2-limited", (s) => s.inSync && s.lastError === null && s.objectsInSync === base + 1, "in sync with a namespace-only credential");
    const refused = await waitForStatus(hub, "m2-none", (s) => s.lastError !== null, "an error");
    assert.equal(refused.reachable, true, "a 403 is an answer: the member is reachable");
    assert.equal(refused.inSync, false);
    assert.match(refused.lastError!, /forbidden: the hub's credential may not list and watch (secrets|configmaps) in namespace ferry-system on member m2-none/);
    assert.match(refused.lastError!, /docs\/multicluster\.md/);
    assert.match(refused.lastError!, new RegExp(`system:serviceaccount:${FERRY_NS}:${nothingSa}`));
    await waitFor(async () => (await eventsFor(FERRY_NS, "m2-none")).some((e) => e.reason === "MemberError" && e.message.includes("forbidden")), {
      timeoutMs: 10_000,
      description: "a MemberError Event on m2-none's registration",
    });

    // A ClusterDistribution aimed at the limited member needs cluster-wide reads: its error, pushes unaffected.
    const platform = uniqueName("platform");
    const admin = await adminClient();
    await admin.request("POST", "/api/v1/namespaces", { body: { metadata: { name: platform } } });
    t.after(() => admin.request("DELETE", `/api/v1/namespaces/${platform}`).catch(() => undefined));
    await createSecret(platform, "tls", { "tls.crt": "c" });
    const cdName = uniqueName("to-limited");
    await admin.request("POST", CD_PATH, {
      body: {
        apiVersion: "ferry.dev/v1alpha1",
        kind: "ClusterDistribution",
        metadata: { name: cdName },
        spec: { source: { kind: "Secret", namespace: platform, name: "tls" }, targets: { namespaces: ["default"], clusters: { matchLabels: { tier: "limited" } } } },
      },
    });
    t.after(() => deleteResource(`${CD_PATH}/${cdName}`));
    const needsMore = await waitForStatus(hub, "m2-limited", (s) => s.lastError !== null, "an error about cluster-wide reads");
    assert.match(needsMore.lastError!, /forbidden: the hub's credential may not list and watch (namespaces|secrets in all namespaces|configmaps in all namespaces) on member m2-limited/);
    assert.equal(needsMore.objectsInSync, base + 1, "the push into ferry-system still counts as in sync");
    assert.equal(memberStatus(hub, "m1-admin")?.lastError, null);
    await deleteResource(`${CD_PATH}/${cdName}`);
    await waitForStatus(hub, "m2-limited", (s) => s.lastError === null && s.inSync, "back to pushes only, no error");

    // Invariant 5: no credential or Secret value in status, Events, metrics or logs.
    await hub.resync();
    const seen = [
      JSON.stringify(hub.status()),
      JSON.stringify((await admin.get<KubeObject>(`/api/v1/namespaces/${FERRY_NS}/configmaps/ferry-members`)).data),
      JSON.stringify(await eventsFor(FERRY_NS, "m2-none")),
      JSON.stringify(await eventsFor(FERRY_NS, "m2-limited")),
      await metrics.registry.metrics(),
      readFileSync(testLogPath(), "utf8"),
    ].join("\n");
    const keyMaterial = Buffer.from(memberPki(m1).keyData, "base64").toString("utf8").split("\n")[1]!;
    for (const candidate of [password, limitedToken, nothingToken, keyMaterial, Buffer.from(password).toString("base64")]) {
      assert.ok(!seen.includes(candidate), "a credential or Secret value leaked");
    }
  });
});
