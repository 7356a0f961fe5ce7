// Bad and awkward input: each gets a clear Event/status, no crash, nothing else harmed.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { isApiError } from "../../src/kube/client.js";
import { adminClient, createNamespace, uniqueName } from "../support/cluster.js";
import { assertFixedPoint, snapshotUnmanaged } from "../support/fixed-point.js";
import { createResource, createSecret, deleteResource, eventsFor, getObject, getResource, startTestFerry, waitForObject } from "../support/ferry.js";
import { waitFor } from "../../src/util/wait-for.js";

test("sources at the apiserver's size limit (exactly 1 MiB of Secret data) and binary data are copied byte for byte", async (t) => {
  const ferry = await startTestFerry(t);
  const src = await createNamespace(t, "big-src");
  const a = await createNamespace(t, "big-a");
  const kube = await adminClient();
  // The apiserver's limit for a Secret: its data values, decoded, may total 1 MiB (core.MaxSecretSize,
  // checked by ValidateSecret; metadata does not count, so Ferry's marks fit on a copy at the limit).
  // One byte over is refused; exactly the limit is accepted, and that is what Ferry must copy.
  const limit = 1024 * 1024;
  const secret = (name: string, bytes: number) => ({
    metadata: { name, annotations: { "ferry.dev/sync-to": a } },
    data: { blob: randomBytes(bytes).toString("base64") },
  });
  await assert.rejects(kube.request("POST", `/api/v1/namespaces/${src}/secrets`, { body: secret("over", limit + 1) }), (error: unknown) => isApiError(error, 422) && /1048576/.test(error.message));
  const atLimit = secret("big", limit);
  const big = atLimit.data.blob;
  await kube.request("POST", `/api/v1/namespaces/${src}/secrets`, { body: atLimit });
  const binary = randomBytes(4096).toString("base64");
  await kube.request("POST", `/api/v1/namespaces/${src}/configmaps`, {
    body: { metadata: { name: "binary", annotations: { "ferry.dev/sync-to": a } }, binaryData: { "image.png": binary }, data: { "utf8.txt": "ünïcødé ✓" } },
  });
  const copy = await waitForObject("Secret", a, "big");
  assert.equal((copy.data as Record<string, string>).blob, big);
  assert.equal(Buffer.from(big, "base64").length, limit);
  const cm = await waitForObject("ConfigMap", a, "binary");
  assert.equal((cm.binaryData as Record<string, string>)["image.png"], binary);
  assert.equal((cm.data as Record<string, string>)["utf8.txt"], "ünïcødé ✓");
  await assertFixedPoint(kube, { namespaces: [src, a], ferry });
});

test("lists with spaces, empty items and unknown names; a rule whose targets include its own source namespace; a missing source", async (t) => {
  const ferry = await startTestFerry(t);
  const src = await createNamespace(t, "odd-src");
  const a = await createNamespace(t, "odd-a");
  const b = await createNamespace(t, "odd-b");
  const kube = await adminClient();
  const unmanaged = await snapshotUnmanaged(kube, [src, a, b]);
  const ghost = uniqueName("ghost");
  await createSecret(src, "listed", { v: "1" }, { annotations: { "ferry.dev/sync-to": ` ${a} ,, ${b},${ghost}, ,${src}` } });
  await waitForObject("Secret", a, "listed");
  await waitForObject("Secret", b, "listed");
  // Its own namespace is in the list: the source is not copied onto itself, and nothing complains.
  const own = await getObject("Secret", src, "listed");
  assert.equal(own?.metadata.labels?.["app.kubernetes.io/managed-by"], undefined);

  const name = uniqueName("missing-source");
  await createResource("/apis/ferry.dev/v1alpha1/clusterdistributions", {
    apiVersion: "ferry.dev/v1alpha1",
    kind: "ClusterDistribution",
    metadata: { name },
    spec: { source: { kind: "Secret", name: "does-not-exist", namespace: src }, targets: { namespaces: [a, b] } },
  });
  t.after(() => deleteResource(`/apis/ferry.dev/v1alpha1/clusterdistributions/${name}`));
  await waitFor(
    async () => {
      const status = (await getResource(`/apis/ferry.dev/v1alpha1/clusterdistributions/${name}`))?.status as { conditions?: Array<{ reason: string }> } | undefined;
      return status?.conditions?.some((c) => c.reason === "SourceNotFound");
    },
    { timeoutMs: 30_000, description: "SourceNotFound in status" },
  );
  await waitFor(async () => (await eventsFor("default", name)).some((e) => e.reason === "SourceNotFound"), { timeoutMs: 30_000, description: "SourceNotFound Event" });
  await assertFixedPoint(kube, { namespaces: [src, a, b], unmanaged, ferry });
});
