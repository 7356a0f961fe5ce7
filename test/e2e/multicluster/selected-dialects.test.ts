// `ferry run --hub --dialects ...`: the hub strips from what it pushes the trigger keys of the
// dialects this Ferry runs, as its engine does from its copies, not every dialect's (issue 17).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { uniqueName } from "../../support/cluster.js";
import { createSecret, deleteObject, startTestFerry } from "../../support/ferry.js";
import { FERRY_NS, register, startMemberClusters, stopMemberClusters, waitForMemberGone, waitForMemberObject, type MemberCluster } from "./support.js";

let members: MemberCluster[] = [];
before(async () => {
  members = await startMemberClusters(["member-d"]);
});
after(() => stopMemberClusters(members));

test("a hub running native and replicator strips replicator's keys from pushed copies and keeps kubed's", async (t) => {
  const [member] = members as [MemberCluster];
  const hubName = uniqueName("hub");
  await register(t, member.name, { kubeconfig: member.kubeconfig });
  await startTestFerry(t, { hub: true, clusterName: hubName, dialects: ["native", "replicator"] });
  const name = uniqueName("pushed");
  await createSecret(FERRY_NS, name, { v: "value-pushed" }, {
    annotations: { "mw-sync": "yes", "replicator.v1.mittwald.de/replicate-to": "no-such-namespace-anywhere", "kubed.appscode.com/sync": "" },
  });
  const pushed = await waitForMemberObject(member, "Secret", FERRY_NS, name);
  assert.equal(pushed.metadata.annotations?.["mw-sync"], "yes", "the push keeps mw-sync, the member's fan-out");
  assert.equal(pushed.metadata.annotations?.["replicator.v1.mittwald.de/replicate-to"], undefined, "a selected dialect's key is stripped");
  assert.equal(pushed.metadata.annotations?.["kubed.appscode.com/sync"], "", "a dialect this Ferry does not run is not this Ferry's to strip");
  // Leave the member as it was: the hub prunes its copy when the source goes.
  await deleteObject("Secret", FERRY_NS, name);
  await waitForMemberGone(member, "Secret", FERRY_NS, name);
});
