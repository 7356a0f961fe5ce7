// The cutover tests' shared steps (one file per dialect in this folder): lay down the old tool's
// copies exactly as the tool writes them (names, labels, annotations, owner references, type,
// data, field manager: docs/migration.md and the tools' sources cited in each dialect's file),
// start Ferry as users run it (default policy), and check that it took them over as Ferry copies,
// left alone what it must not touch, and prunes the copies with their source.
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { MANAGED_BY_LABEL, TAKEN_OVER_ANNOTATION } from "../../../src/core/marks.js";
import type { TargetOutcome } from "../../../src/core/types.js";
import type { FerryOptions, RunningFerry } from "../../../src/cli/run.js";
import { collectionPath } from "../../../src/kube/copy-writer.js";
import type { KubeObject } from "../../../src/kube/informer.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { adminClient, createNamespace } from "../../support/cluster.js";
import { getObject, recordSecretValues, startTestFerry, unb64, waitForGone, waitForObject } from "../../support/ferry.js";
import { waitForEvent } from "../../support/manifests.js";

type Kind = "Secret" | "ConfigMap";

export interface ToolObject {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<Record<string, unknown>>;
  finalizers?: string[];
  /** Secrets only. */
  type?: string;
  /** As on the wire: base64 for Secrets, text for ConfigMaps. */
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

/**
 * Creates an object exactly as a tool writes it, with the tool's field manager; `apply`: with a
 * server-side apply, as tools built on it (whisperer.rs) write.
 */
export async function layDown(kind: Kind, namespace: string, object: ToolObject, fieldManager: string, apply = false): Promise<KubeObject> {
  if (kind === "Secret") recordSecretValues(Object.values(object.data ?? {}).map((value) => unb64(value)!));
  const { name, labels, annotations, ownerReferences, finalizers, type, data, binaryData } = object;
  const body: KubeObject = { apiVersion: "v1", kind, metadata: { name, labels, annotations, ...(ownerReferences ? { ownerReferences } : {}), ...(finalizers ? { finalizers } : {}) } };
  if (kind === "Secret") body.type = type ?? "Opaque";
  if (data) body.data = data;
  if (binaryData) body.binaryData = binaryData;
  const admin = await adminClient();
  if (!apply) return admin.request<KubeObject>("POST", collectionPath(kind, namespace), { body, query: { fieldManager } });
  return admin.request<KubeObject>("PATCH", `${collectionPath(kind, namespace)}/${name}`, { body, query: { fieldManager }, contentType: "application/apply-patch+yaml" });
}

/**
 * Waits until the object at (namespace, name) is a Ferry copy taken over from `tool` that
 * satisfies `current` (e.g. holds the rotated value), and checks that the tool's marks, owner
 * references and finalizers are gone.
 */
export async function waitTakenOver(kind: Kind, namespace: string, name: string, tool: string, toolKeys: readonly string[], current: (object: KubeObject) => boolean = () => true): Promise<KubeObject> {
  const object = await waitForObject(kind, namespace, name, (o) => o.metadata.labels?.[MANAGED_BY_LABEL] === "ferry" && o.metadata.annotations?.[TAKEN_OVER_ANNOTATION] === tool && current(o));
  const metadata = object.metadata as KubeObject["metadata"] & { ownerReferences?: unknown[]; finalizers?: unknown[] };
  assert.deepEqual(metadata.ownerReferences ?? [], [], `${namespace}/${name}: the old tool's owner references are gone`);
  assert.deepEqual(metadata.finalizers ?? [], [], `${namespace}/${name}: no finalizer`);
  const kept = [...Object.keys(object.metadata.labels ?? {}), ...Object.keys(object.metadata.annotations ?? {})].filter((key) => toolKeys.includes(key));
  assert.deepEqual(kept, [], `${namespace}/${name}: the old tool's marks are gone`);
  return object;
}

/** The object was not written since it was laid down (same resourceVersion). */
export async function assertUntouched(original: KubeObject, why: string): Promise<void> {
  const kind = original.kind as Kind;
  const now = await getObject(kind, original.metadata.namespace!, original.metadata.name);
  assert.ok(now, `${original.metadata.namespace}/${original.metadata.name} still exists (${why})`);
  assert.equal(now.metadata.resourceVersion, original.metadata.resourceVersion, `${original.metadata.namespace}/${original.metadata.name} untouched (${why})`);
}

/** Waits until Ferry's last full pass reports the target as a conflict; returns the outcome. */
export function waitForConflict(ferry: RunningFerry, namespace: string, name: string, reason = "UnmanagedObjectExists"): Promise<TargetOutcome> {
  return waitFor(
    () => ferry.engine.reports().reports.flatMap((report) => report.outcomes).find((o) => o.namespace === namespace && o.name === name && o.state === "Conflict" && o.reason === reason),
    { timeoutMs: 30_000, description: `a ${reason} conflict at ${namespace}/${name}` },
  );
}

/** The TookOver Event on the rule's origin names the tool and the copy. */
export function waitForTookOver(originNamespace: string, originName: string, tool: string, target: string): Promise<unknown> {
  return waitForEvent(originNamespace, originName, "TookOver", new RegExp(`${target}: took over ${tool.replace(/[.()]/g, "\\$&")}'s`));
}

/** Deleting the source prunes the taken-over copies; what Ferry never owned stays. */
export async function waitPruned(kind: Kind, targets: ReadonlyArray<{ namespace: string; name: string }>): Promise<void> {
  for (const target of targets) await waitForGone(kind, target.namespace, target.name);
}

/** ferry_takeovers_total for a tool, from the process's metrics. */
export async function takeoversCounted(ferry: RunningFerry, tool: string): Promise<number> {
  const metric = await ferry.metrics.registry.getSingleMetric("ferry_takeovers_total")?.get();
  return (metric?.values ?? []).filter((value) => value.labels.tool === tool).reduce((sum, value) => sum + value.value, 0);
}

export const b64 = (text: string) => Buffer.from(text).toString("base64");

/**
 * A tool that leaves no marks: Ferry run without consent reports each of `targets` as a conflict
 * (naming the switch) and writes none of them; then it is stopped.
 */
export async function refusedWithoutConsent(t: TestContext, dialect: string, targets: readonly KubeObject[], ferryOptions: Partial<FerryOptions> = {}): Promise<void> {
  const ferry = await startTestFerry(t, ferryOptions);
  for (const target of targets) {
    const conflict = await waitForConflict(ferry, target.metadata.namespace!, target.metadata.name);
    assert.match(conflict.message, new RegExp(`leaves no marks .*--take-over-unmarked=${dialect}`));
  }
  await ferry.engine.idle();
  for (const target of targets) await assertUntouched(target, "no consent");
  await ferry.stop();
}

/** Uniquely named namespaces (the tool's targets and bystanders), one per prefix, created at once. */
export async function namespacesFor<T extends readonly string[]>(t: TestContext, prefixes: readonly [...T], labels: Record<string, string> = {}): Promise<{ [K in keyof T]: string }> {
  return (await Promise.all(prefixes.map((prefix) => createNamespace(t, prefix, labels)))) as { [K in keyof T]: string };
}
