// The check every fault scenario ends with: the cluster is at the plan's fixed point.
// - plan() over the cluster as it is now wants nothing (every desired copy present and current);
// - every copy equals its source (checked independently of plan(), by reading both);
// - every copy belongs to a live rule; no unmanaged object was changed;
// - a second pass of the running Ferry writes nothing.
import assert from "node:assert/strict";
import type { RunningFerry } from "../../src/cli/run.js";
import { withDryEngineOn } from "../../src/cli/inspect.js";
import { MANAGED_BY_LABEL, RULE_ID_ANNOTATION, SOURCE_ANNOTATION, SOURCE_CLUSTER_LABEL } from "../../src/core/marks.js";
import type { KubeClient } from "../../src/kube/client.js";
import { objectPath } from "../../src/kube/copy-writer.js";
import type { KubeObject } from "../../src/kube/informer.js";
import { waitFor } from "../../src/util/wait-for.js";

export interface FixedPointOptions {
  /** Only these namespaces are checked (tests share a cluster). */
  namespaces: string[];
  /** resourceVersions of unmanaged objects that must not have changed, keyed `Kind/ns/name`. */
  unmanaged?: Map<string, string>;
  /** The running Ferry whose second pass must write nothing. */
  ferry?: RunningFerry;
  timeoutMs?: number;
  policy?: "open" | "guarded" | "strict";
}

export interface FixedPointReport {
  copies: number;
  rules: number;
}

async function listIn(client: KubeClient, namespace: string, kind: "Secret" | "ConfigMap", labelSelector?: string): Promise<KubeObject[]> {
  const list = await client.get<{ items: KubeObject[] }>(`/api/v1/namespaces/${namespace}/${kind === "Secret" ? "secrets" : "configmaps"}`, {
    query: { labelSelector },
  });
  return list.items.map((item) => ({ ...item, kind }));
}

/** Records the resourceVersions of every object in these namespaces that Ferry does not manage. */
export async function snapshotUnmanaged(client: KubeClient, namespaces: string[]): Promise<Map<string, string>> {
  const snapshot = new Map<string, string>();
  for (const namespace of namespaces) {
    for (const kind of ["Secret", "ConfigMap"] as const) {
      for (const object of await listIn(client, namespace, kind, `!${MANAGED_BY_LABEL}`)) {
        snapshot.set(`${kind}/${namespace}/${object.metadata.name}`, object.metadata.resourceVersion ?? "");
      }
    }
  }
  return snapshot;
}

export async function assertFixedPoint(client: KubeClient, options: FixedPointOptions): Promise<FixedPointReport> {
  const scope = new Set(options.namespaces);
  const timeoutMs = options.timeoutMs ?? 120_000;
  // 1. plan() wants nothing in scope (Ferry may still be converging: wait, with a deadline).
  const ruleIds = await withDryEngineOn(client, { ferryNamespace: "ferry-system", policy: options.policy ?? "guarded", clusterName: "local" }, async (engine) => {
    let pending: string[] = [];
    try {
      await waitFor(
        () => {
          const planned = engine.computePlan();
          pending = planned.actions.filter((action) => scope.has(action.key.split("/")[1]!)).map((action) => `${action.type} ${action.key}`);
          return pending.length === 0;
        },
        { timeoutMs, intervalMs: 250, description: "plan() to want nothing" },
      );
    } catch (error) {
      throw new Error(`not at the fixed point: ${pending.slice(0, 10).join(", ")}${pending.length > 10 ? ` and ${pending.length - 10} more` : ""}`, { cause: error });
    }
    return new Set(engine.computePlan().rules.map((rule) => rule.id));
  });

  // 2. Every copy equals its source and belongs to a live rule.
  let copies = 0;
  for (const namespace of scope) {
    for (const kind of ["Secret", "ConfigMap"] as const) {
      for (const copy of await listIn(client, namespace, kind, `${MANAGED_BY_LABEL}=ferry,${SOURCE_CLUSTER_LABEL}=local`)) {
        copies++;
        const ruleId = copy.metadata.annotations?.[RULE_ID_ANNOTATION] ?? "";
        assert.ok(ruleIds.has(ruleId), `${kind} ${namespace}/${copy.metadata.name} belongs to rule ${ruleId}, which is not live`);
        const [sourceKind, sourceNamespace, sourceName] = (copy.metadata.annotations?.[SOURCE_ANNOTATION] ?? "").split("/");
        if (!sourceNamespace) continue; // inline content
        const source = await client.getOptional<KubeObject>(objectPath(sourceKind as "Secret", sourceNamespace, sourceName!));
        assert.ok(source, `${kind} ${namespace}/${copy.metadata.name}: its source ${sourceKind}/${sourceNamespace}/${sourceName} is gone`);
        assert.deepEqual(copy.data ?? {}, source.data ?? {}, `${kind} ${namespace}/${copy.metadata.name} differs from its source`);
        assert.equal(copy.type, source.type, `${kind} ${namespace}/${copy.metadata.name}: type`);
      }
    }
  }

  // 3. No unmanaged object changed.
  for (const [key, resourceVersion] of options.unmanaged ?? []) {
    const [kind, namespace, name] = key.split("/") as ["Secret", string, string];
    const object = await client.getOptional<KubeObject>(objectPath(kind, namespace, name));
    assert.ok(object, `unmanaged ${key} was deleted`);
    assert.equal(object.metadata.resourceVersion, resourceVersion, `unmanaged ${key} was changed`);
  }

  // 4. A second pass writes nothing.
  if (options.ferry) {
    const ferry = options.ferry;
    await ferry.engine.idle();
    const writes = async () => (await ferry.metrics.writes.get()).values.reduce((sum, v) => sum + v.value, 0);
    const before = await writes();
    let passes = 0;
    const previous = ferry.engine.onPlanned;
    ferry.engine.onPlanned = (reports, errors) => {
      passes++;
      previous?.(reports, errors);
    };
    ferry.engine.namespaces.requestRelist();
    await waitFor(() => passes >= 1, { timeoutMs: 30_000, description: "a plan pass after a full relist" });
    await ferry.engine.idle();
    ferry.engine.onPlanned = previous;
    assert.equal(await writes(), before, "the second pass wrote");
  }
  return { copies, rules: ruleIds.size };
}
