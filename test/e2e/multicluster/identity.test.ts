// Cluster identity on three real control planes (the shared one is the hub): the seed's flow with
// every Ferry on its defaults (no --cluster-name anywhere), a hub that finds a member owning its
// name, and an upgrade from the old default name `local` on a member.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { LEGACY_CLUSTER_NAME } from "../../../src/core/cluster-identity.js";
import { MANAGED_BY_LABEL, RULE_LABEL, SOURCE_CLUSTER_LABEL } from "../../../src/core/marks.js";
import { IDENTITY_CONFIGMAP } from "../../../src/kube/cluster-identity.js";
import type { KubeObject } from "../../../src/kube/informer.js";
import type { RunningFerry } from "../../../src/cli/run.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { adminClient, uniqueName } from "../../support/cluster.js";
import { b64, createSecret, deleteObject, secretValue, startTestFerry } from "../../support/ferry.js";
import {
  FERRY_NS,
  createMemberNamespace,
  fanOutNamespaces,
  listMember,
  memberGet,
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

async function kubeSystemUid(client: MemberCluster["client"]): Promise<string> {
  return (await client.get<KubeObject>("/api/v1/namespaces/kube-system")).metadata.uid!;
}

describe("cluster identity", () => {
  let members: MemberCluster[] = [];
  before(async () => {
    members = await startMemberClusters(["member-1", "member-2"]);
  });
  after(() => stopMemberClusters(members));

  test("seed flow with every Ferry on its defaults: each cluster names itself by its kube-system UID, the hub's push is a source on each member and reaches every namespace", async (t) => {
    const admin = await adminClient();
    // Step 3 of the seed: the agents, on defaults.
    const agents: RunningFerry[] = [];
    for (const member of members) agents.push(await startTestFerry(t, { client: member.client, clusterName: undefined }));
    for (const [i, member] of members.entries()) {
      assert.equal(agents[i]!.identity.name, await kubeSystemUid(member.client), `${member.name} is named by its kube-system UID`);
      const published = await memberGet(member, "ConfigMap", FERRY_NS, IDENTITY_CONFIGMAP);
      assert.equal((published?.data as Record<string, string> | undefined)?.clusterName, agents[i]!.identity.name);
    }
    const apps = new Map<MemberCluster, string>();
    for (const member of members) apps.set(member, await createMemberNamespace(member, "app"));
    for (const member of members) await register(t, member.name, { kubeconfig: member.kubeconfig });
    // Steps 1-2: the master operator is `ferry run --hub` on defaults too.
    const hubFerry = await startTestFerry(t, { clusterName: undefined, hub: true });
    const hubName = hubFerry.identity.name;
    assert.equal(hubName, await kubeSystemUid(admin));
    assert.notEqual(hubName, agents[0]!.identity.name);
    const hub = hubFerry.hub!;
    for (const [i, member] of members.entries()) {
      await waitForStatus(hub, member.name, (s) => s.inSync && s.clusterName === agents[i]!.identity.name, "in sync, reporting the member's identity");
    }

    // Steps 4-6.
    const secretName = uniqueName("regcred");
    const dockerconfig = JSON.stringify({ auths: { "registry.example.com": { auth: b64("robot:defaults-password") } } });
    await createSecret(FERRY_NS, secretName, { ".dockerconfigjson": dockerconfig }, { type: "kubernetes.io/dockerconfigjson", annotations: { "mw-sync": "yes" } });
    t.after(() => deleteObject("Secret", FERRY_NS, secretName));
    for (const [i, member] of members.entries()) {
      const pushed = await waitForMemberObject(member, "Secret", FERRY_NS, secretName);
      assert.equal(pushed.metadata.labels?.[SOURCE_CLUSTER_LABEL], hubName);
      const fanned = await waitForMemberObject(member, "Secret", apps.get(member)!, secretName, (o) => secretValue(o, ".dockerconfigjson") === dockerconfig);
      assert.equal(fanned.metadata.labels?.[SOURCE_CLUSTER_LABEL], agents[i]!.identity.name, "the second hop is the member's own copy");
      let missing: string[] = [];
      await waitFor(
        async () => {
          const have = new Set((await listMember(member, "Secret", `ferry.dev/source-name=${secretName}`)).map((o) => o.metadata.namespace));
          missing = (await fanOutNamespaces(member)).filter((ns) => !have.has(ns));
          return missing.length === 0;
        },
        { timeoutMs: 30_000, description: `every namespace of ${member.name} to hold ${secretName} (missing: ${missing.join(", ")})` },
      );
    }
    for (const member of members) {
      await waitForStatus(hub, member.name, (s) => s.inSync && s.lastError === null, "in sync without error");
    }

    // Deleting it on the hub removes it from both hops, on the hub's own namespaces too.
    await deleteObject("Secret", FERRY_NS, secretName);
    for (const member of members) {
      await waitForMemberGone(member, "Secret", FERRY_NS, secretName);
      await waitFor(async () => (await listMember(member, "Secret", `ferry.dev/source-name=${secretName}`)).length === 0, {
        timeoutMs: 30_000,
        description: `no copy of ${secretName} left on ${member.name}`,
      });
    }
    await waitFor(async () => (await admin.get<{ items: KubeObject[] }>("/api/v1/secrets", { query: { labelSelector: `ferry.dev/source-name=${secretName}` } })).items.length === 0, {
      timeoutMs: 30_000,
      description: "no copy left on the hub",
    });
  });

  test("a member whose Ferry owns the hub's name is held and reported; the other member is served", async (t) => {
    const [m1, m2] = members as [MemberCluster, MemberCluster];
    const hubName = uniqueName("mgmt");
    // member-1's agent was started with the hub's name (a copied values file, say); member-2 is on defaults.
    await startTestFerry(t, { client: m1.client, clusterName: hubName });
    await startTestFerry(t, { client: m2.client, clusterName: undefined });
    for (const member of members) await register(t, member.name, { kubeconfig: member.kubeconfig });
    const hub = await startTestHub(t, { hubName });
    const configName = uniqueName("mirror");
    await createSecret(FERRY_NS, configName, { mirror: "https://mirror.example.com" }, { annotations: { "mw-sync": "yes" } });
    t.after(() => deleteObject("Secret", FERRY_NS, configName));

    await waitForMemberObject(m2, "Secret", FERRY_NS, configName);
    const held = await waitForStatus(hub, m1.name, (s) => s.lastError !== null && !s.inSync, "held with an error");
    assert.match(held.lastError!, new RegExp(`member ${m1.name} answers with this hub's own cluster name "${hubName}"`));
    assert.equal(held.clusterName, hubName);
    await waitFor(async () => (await publishedStatus(m1.name))?.lastError === held.lastError, { timeoutMs: 10_000, description: "published: member-1 held" });
    await waitForStatus(hub, m2.name, (s) => s.inSync && s.lastError === null, "member-2 served");
    // Nothing was pushed to member-1 (checked after member-2 received the push).
    assert.equal(await memberGet(m1, "Secret", FERRY_NS, configName), undefined);
  });

  test("upgrade: copies written under the old default `local` are this cluster's own for a Ferry on defaults - updated, pruned, never foreign, never sources", async (t) => {
    const m2 = members[1]!;
    const source = await createMemberNamespace(m2, "src");
    const keep = await createMemberNamespace(m2, "keep");
    const leave = await createMemberNamespace(m2, "leave");
    // Yesterday's Ferry: the default name was `local`.
    const old = await startTestFerry(t, { client: m2.client, clusterName: LEGACY_CLUSTER_NAME });
    await createSecret(source, "db", { password: "before-upgrade" }, { annotations: { "ferry.dev/sync-to": `${keep}, ${leave}` } }, m2.client);
    for (const ns of [keep, leave]) {
      const copy = await waitForMemberObject(m2, "Secret", ns, "db");
      assert.equal(copy.metadata.labels?.[SOURCE_CLUSTER_LABEL], LEGACY_CLUSTER_NAME);
    }
    await old.stop();
    // What an old hub on the default name pushed into this member's Ferry namespace: a copy from `local` that carries mw-sync.
    const pushedName = uniqueName("old-push");
    await createSecret(
      FERRY_NS,
      pushedName,
      { token: "pushed-under-local" },
      { annotations: { "mw-sync": "yes" }, labels: { [MANAGED_BY_LABEL]: "ferry", [RULE_LABEL]: "mwsync-push", [SOURCE_CLUSTER_LABEL]: LEGACY_CLUSTER_NAME } },
      m2.client,
    );
    t.after(() => m2.client.request("DELETE", `/api/v1/namespaces/${FERRY_NS}/secrets/${pushedName}`).catch(() => undefined));
    // While no Ferry runs: the source changes and stops selecting `leave`.
    await m2.client.request("PATCH", `/api/v1/namespaces/${source}/secrets/db`, {
      body: { metadata: { annotations: { "ferry.dev/sync-to": keep } }, data: { password: b64("after-upgrade") } },
      contentType: "application/merge-patch+json",
    });

    // Today's Ferry, on defaults.
    const upgraded = await startTestFerry(t, { client: m2.client, clusterName: undefined });
    const uid = await kubeSystemUid(m2.client);
    assert.deepEqual(upgraded.identity.ownNames, [uid, LEGACY_CLUSTER_NAME]);
    const updated = await waitForMemberObject(m2, "Secret", keep, "db", (o) => secretValue(o, "password") === "after-upgrade");
    assert.equal(updated.metadata.labels?.[SOURCE_CLUSTER_LABEL], uid, "rewritten under the new identity");
    await waitForMemberGone(m2, "Secret", leave, "db");
    await waitForMemberGone(m2, "Secret", FERRY_NS, pushedName);
    assert.deepEqual(await listMember(m2, "Secret", `ferry.dev/source-name=${pushedName}`), [], "a legacy copy was fanned out as a source");
    await waitFor(
      () => {
        const reports = upgraded.engine.reports().reports.filter((r) => r.rule.source.namespace === source);
        return reports.length === 1 && reports[0]!.synced === 1 && reports[0]!.conflicts === 0 && reports[0]!.desired === 1 ? reports : undefined;
      },
      { timeoutMs: 30_000, description: "the rule in sync without conflicts" },
    );
  });
});
