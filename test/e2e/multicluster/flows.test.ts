// Multi-cluster flows on three real control planes: the run's shared one is the hub, two more
// are members. The seed (secret-replicator-eks) end to end through both hops, and native
// ClusterDistribution targets.clusters.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SOURCE_CLUSTER_LABEL } from "../../../src/core/marks.js";
import type { KubeObject } from "../../../src/kube/informer.js";
import type { MemberStatus } from "../../../src/multicluster/index.js";
import { FerryMetrics } from "../../../src/ops/metrics.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { adminClient, createNamespace, uniqueName } from "../../support/cluster.js";
import { b64, createConfigMap, createSecret, deleteObject, deleteResource, getObject, patchObject, secretValue, startTestFerry, unb64 } from "../../support/ferry.js";
import {
  FERRY_NS,
  copiesBy,
  counterSum,
  createMemberNamespace,
  fanOutNamespaces,
  labelRegistration,
  listMember,
  memberGet,
  memberPki,
  publishedStatus,
  register,
  startMemberClusters,
  startTestHub,
  stopMemberClusters,
  waitForMemberGone,
  waitForMemberObject,
  waitForStatus,
  type MemberCluster,
} from "./support.js";

const CD_PATH = "/apis/ferry.dev/v1alpha1/clusterdistributions";
const data = (object: KubeObject) => (object.data as Record<string, string> | undefined) ?? {};

describe("multi-cluster flows", () => {
  let members: MemberCluster[] = [];
  before(async () => {
    members = await startMemberClusters(["member-1", "member-2"]);
  });
  after(() => stopMemberClusters(members));

  test("seed: mw-sync objects in the hub's ferry-system reach every member's ferry-system, and every member namespace (new ones too) through the member's Ferry; updates and deletes follow both hops; an idle hub writes nothing", async (t) => {
    const [m1, m2] = members as [MemberCluster, MemberCluster];
    const hubName = uniqueName("hub");
    // Step 3 of the seed: each member runs its agent (Ferry) in its operator namespace.
    for (const member of members) await startTestFerry(t, { client: member.client, clusterName: member.name });
    const early = new Map<MemberCluster, string>();
    for (const member of members) early.set(member, await createMemberNamespace(member, "app"));
    // Step 1: the management cluster can reach every member (a kubeconfig per member).
    for (const member of members) await register(t, member.name, { kubeconfig: member.kubeconfig });
    // Step 2: the master operator (the hub).
    const metrics = new FerryMetrics({ defaultMetrics: false });
    const hub = await startTestHub(t, { hubName, metrics });
    // Anything another test left annotated in the shared hub's ferry-system is pushed too: count relative to it.
    const base = new Map<string, MemberStatus>();
    for (const member of members) base.set(member.name, await waitForStatus(hub, member.name, (s) => s.inSync, "in sync"));

    // Step 4: annotated Secret and ConfigMap in the hub's operator namespace.
    const secretName = uniqueName("regcred");
    const configName = uniqueName("mirror");
    const dockerconfig = JSON.stringify({ auths: { "registry.example.com": { auth: b64("robot:first-password") } } });
    await createSecret(FERRY_NS, secretName, { ".dockerconfigjson": dockerconfig }, { type: "kubernetes.io/dockerconfigjson", annotations: { "mw-sync": "yes" } });
    await createConfigMap(FERRY_NS, configName, { mirror: "https://mirror.example.com" }, { annotations: { "mw-sync": "yes" } });
    t.after(() => deleteObject("Secret", FERRY_NS, secretName));
    t.after(() => deleteObject("ConfigMap", FERRY_NS, configName));

    // Step 5: pushed into every member's operator namespace, keeping the annotation, marked with the hub.
    for (const member of members) {
      const pushed = await waitForMemberObject(member, "Secret", FERRY_NS, secretName);
      assert.equal(pushed.metadata.annotations?.["mw-sync"], "yes");
      assert.equal(pushed.metadata.labels?.[SOURCE_CLUSTER_LABEL], hubName);
      assert.equal(pushed.type, "kubernetes.io/dockerconfigjson");
      assert.equal(secretValue(pushed, ".dockerconfigjson"), dockerconfig);
      await waitForMemberObject(member, "ConfigMap", FERRY_NS, configName, (o) => o.metadata.annotations?.["mw-sync"] === "yes");
    }
    // Step 6: each member's Ferry fans them out to all its namespaces, including ones created later.
    const late = await createMemberNamespace(m1, "late");
    for (const member of members) {
      let missing: string[] = [];
      await waitFor(
        async () => {
          const have = new Set((await listMember(member, "Secret", copiesBy(member.name, secretName))).map((o) => o.metadata.namespace));
          const configs = new Set((await listMember(member, "ConfigMap", copiesBy(member.name, configName))).map((o) => o.metadata.namespace));
          const wanted = await fanOutNamespaces(member);
          missing = wanted.filter((ns) => !have.has(ns) || !configs.has(ns));
          return wanted.includes(early.get(member)!) && wanted.includes("default") && missing.length === 0;
        },
        { timeoutMs: 30_000, description: `every namespace of ${member.name} to hold the fan-out copies` },
      ).catch((error: Error) => Promise.reject(new Error(`${error.message}; missing: ${missing.join(", ")}`)));
    }
    assert.ok((await fanOutNamespaces(m1)).includes(late));
    const fanned = await waitForMemberObject(m1, "Secret", late, secretName);
    assert.equal(fanned.metadata.labels?.[SOURCE_CLUSTER_LABEL], "member-1", "the second hop is the member's own copy");
    assert.equal(fanned.metadata.annotations?.["mw-sync"], undefined, "fan-out copies are not sources again");

    // Status: both members reachable and in sync, published in the ferry-members ConfigMap.
    for (const member of members) {
      const before = base.get(member.name)!;
      await waitForStatus(
        hub,
        member.name,
        (s) => s.reachable && s.inSync && s.objectsInSync === before.objectsInSync + 2 && s.objectsDesired === before.objectsDesired + 2 && s.lastError === null,
        "in sync",
      );
      await waitFor(async () => (await publishedStatus(member.name))?.inSync === true, { timeoutMs: 10_000, description: `published status of ${member.name}` });
    }

    // An idle hub costs zero writes: relist everything, plan again, nothing is written. A first
    // resync settles what is still in flight (a status entry may be waiting to be published).
    await hub.resync();
    const writes = await counterSum(metrics.registry, "ferry_member_writes_total");
    assert.ok(writes >= 4, `the hub wrote ${writes} times`);
    const statusVersion = (await getObject("ConfigMap", FERRY_NS, "ferry-members"))?.metadata.resourceVersion;
    await hub.resync();
    assert.equal(await counterSum(metrics.registry, "ferry_member_writes_total"), writes, "a resync of a converged hub wrote to a member");
    assert.equal((await getObject("ConfigMap", FERRY_NS, "ferry-members"))?.metadata.resourceVersion, statusVersion, "a resync rewrote the status");

    // The registry credential rotates on the hub: both hops follow.
    const rotated = JSON.stringify({ auths: { "registry.example.com": { auth: b64("robot:second-password") } } });
    await patchObject("Secret", FERRY_NS, secretName, { data: { ".dockerconfigjson": b64(rotated) } });
    await patchObject("ConfigMap", FERRY_NS, configName, { data: { mirror: "https://mirror-2.example.com" } });
    await waitForMemberObject(m1, "Secret", late, secretName, (o) => secretValue(o, ".dockerconfigjson") === rotated);
    await waitForMemberObject(m2, "Secret", early.get(m2)!, secretName, (o) => secretValue(o, ".dockerconfigjson") === rotated);
    await waitForMemberObject(m2, "ConfigMap", "default", configName, (o) => data(o).mirror === "https://mirror-2.example.com");

    // Deleting the source on the hub removes the copies everywhere.
    await deleteObject("Secret", FERRY_NS, secretName);
    await deleteObject("ConfigMap", FERRY_NS, configName);
    for (const member of members) {
      await waitForMemberGone(member, "Secret", FERRY_NS, secretName);
      await waitFor(
        async () =>
          (await listMember(member, "Secret", `ferry.dev/source-name=${secretName}`)).length === 0 &&
          (await listMember(member, "ConfigMap", `ferry.dev/source-name=${configName}`)).length === 0,
        { timeoutMs: 30_000, description: `no copy of the sources left on ${member.name}` },
      );
    }
    await waitForStatus(hub, m1.name, (s) => s.objectsDesired === base.get(m1.name)!.objectsDesired && s.inSync, "only what was there before");
  });

  test("native: a ClusterDistribution with targets.clusters reaches the members its selector picks (kubeconfig and Argo CD registrations), with namespace targeting on the member; relabelling a registration takes effect without restart; conflicts are reported, never overwritten", async (t) => {
    const [m1, m2] = members as [MemberCluster, MemberCluster];
    const hubName = uniqueName("hub");
    const hubAdmin = await adminClient();
    // member-1: Ferry's own format; member-2: an Argo CD cluster Secret in Argo CD's namespace, reused as is plus ferry.dev/cluster.
    await register(t, m1.name, { kubeconfig: m1.kubeconfig }, { labels: { env: "prod" } });
    const argocd = await createNamespace(t, "argocd");
    const argoSecret = uniqueName("cluster-member-2");
    await register(
      t,
      argoSecret,
      { name: m2.name, server: m2.plane.server, config: JSON.stringify({ tlsClientConfig: { insecure: false, ...memberPki(m2) } }) },
      { namespace: argocd, labels: { "argocd.argoproj.io/secret-type": "cluster", env: "dev" } },
    );
    const hub = await startTestHub(t, { hubName, argoCdNamespace: argocd });
    // mw-sync objects another test left in the shared hub's ferry-system are pushed too: count relative to them.
    const base1 = await waitForStatus(hub, m1.name, (s) => s.inSync, "in sync");
    const base2 = await waitForStatus(hub, m2.name, (s) => s.inSync, "in sync");

    const platform = await createNamespace(t, "platform");
    await createSecret(platform, "wildcard-tls", { "tls.crt": "cert-1", "tls.key": "key-1" }, { type: "kubernetes.io/tls" });
    const public1 = await createMemberNamespace(m1, "web", { ingress: "public" });
    const private1 = await createMemberNamespace(m1, "web");
    const public2 = await createMemberNamespace(m2, "web", { ingress: "public" });
    const cdName = uniqueName("wildcard");
    await hubAdmin.request("POST", CD_PATH, {
      body: {
        apiVersion: "ferry.dev/v1alpha1",
        kind: "ClusterDistribution",
        metadata: { name: cdName },
        spec: {
          source: { kind: "Secret", namespace: platform, name: "wildcard-tls" },
          targets: { namespaceSelector: { matchLabels: { ingress: "public" } }, clusters: { matchLabels: { env: "prod" } } },
          copy: { name: "tls" },
        },
      },
    });
    t.after(() => deleteResource(`${CD_PATH}/${cdName}`));

    const copy = await waitForMemberObject(m1, "Secret", public1, "tls", (o) => secretValue(o, "tls.crt") === "cert-1");
    assert.equal(copy.type, "kubernetes.io/tls");
    assert.equal(copy.metadata.labels?.[SOURCE_CLUSTER_LABEL], hubName);
    await waitForStatus(hub, m1.name, (s) => s.inSync && s.objectsInSync === base1.objectsInSync + 1, "one copy in sync");
    await waitForStatus(hub, m2.name, (s) => s.inSync && s.reachable && s.objectsDesired === base2.objectsDesired, "nothing more desired (env=dev)");
    assert.equal(await memberGet(m1, "Secret", private1, "tls"), undefined, "a namespace outside the selector got a copy");
    assert.equal(await memberGet(m2, "Secret", public2, "tls"), undefined, "a member outside targets.clusters got a copy");

    // A namespace created later on the member is targeted too.
    const later = await createMemberNamespace(m1, "web", { ingress: "public" });
    await waitForMemberObject(m1, "Secret", later, "tls");

    // An object the hub does not own keeps its content; the conflict is in the member's status.
    const taken = await createMemberNamespace(m1, "web");
    await m1.client.request("POST", `/api/v1/namespaces/${taken}/secrets`, { body: { metadata: { name: "tls" }, data: { "tls.crt": b64("someone-elses") } } });
    await m1.client.request("PATCH", `/api/v1/namespaces/${taken}`, { body: { metadata: { labels: { ingress: "public" } } }, contentType: "application/merge-patch+json" });
    const withConflict = await waitForStatus(hub, m1.name, (s) => s.conflicts === base1.conflicts + 1, "one more conflict");
    assert.ok(withConflict.failingTargets.some((f) => f.namespace === taken && f.reason === "UnmanagedObjectExists"), JSON.stringify(withConflict.failingTargets));

    // Relabel member-2's (Argo CD) registration: it is selected now, no restart.
    await labelRegistration(argoSecret, { env: "prod" }, argocd);
    await waitForMemberObject(m2, "Secret", public2, "tls", (o) => secretValue(o, "tls.crt") === "cert-1");

    // Source updates reach both members.
    await patchObject("Secret", platform, "wildcard-tls", { data: { "tls.crt": b64("cert-2") } });
    for (const [member, ns] of [[m1, public1], [m1, later], [m2, public2]] as const) {
      await waitForMemberObject(member, "Secret", ns, "tls", (o) => secretValue(o, "tls.crt") === "cert-2");
    }

    // Deleting the ClusterDistribution removes the hub's copies from every member, and only those.
    await deleteResource(`${CD_PATH}/${cdName}`);
    for (const [member, ns] of [[m1, public1], [m1, later], [m2, public2]] as const) await waitForMemberGone(member, "Secret", ns, "tls");
    const kept = await memberGet(m1, "Secret", taken, "tls");
    assert.equal(unb64(data(kept!)["tls.crt"]), "someone-elses");
    await waitForStatus(hub, m1.name, (s) => s.objectsDesired === base1.objectsDesired && s.inSync, "nothing more desired");
    assert.deepEqual((await listMember(m1, "Secret", copiesBy(hubName))).map((o) => o.metadata.name), []);
  });
});
