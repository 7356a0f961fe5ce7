// Executes plan actions against the API: create, update (with the observed resourceVersion as
// a precondition), replace (immutable objects: delete with preconditions, then create) and
// delete (with uid/resourceVersion preconditions, so only the object Ferry saw is removed).
import type { Action, DesiredCopy, SourceKind } from "../core/types.js";
import { KubeClient, isApiError } from "./client.js";
import type { KubeObject } from "./informer.js";

export function collectionPath(kind: SourceKind, namespace: string): string {
  return `/api/v1/namespaces/${namespace}/${kind === "Secret" ? "secrets" : "configmaps"}`;
}

export function objectPath(kind: SourceKind, namespace: string, name: string): string {
  return `${collectionPath(kind, namespace)}/${encodeURIComponent(name)}`;
}

function body(desired: DesiredCopy, resourceVersion?: string): KubeObject {
  const object: KubeObject = {
    apiVersion: "v1",
    kind: desired.kind,
    metadata: { name: desired.name, namespace: desired.namespace, labels: desired.labels, annotations: desired.annotations, resourceVersion },
    data: desired.data,
  };
  if (desired.kind === "Secret") object.type = desired.type ?? "Opaque";
  if (desired.binaryData) object.binaryData = desired.binaryData;
  if (desired.immutable) object.immutable = true;
  return object;
}

export type WriteVerb = "create" | "update" | "delete";

export class CopyWriter {
  constructor(
    private readonly client: KubeClient,
    private readonly observe: {
      /** `basedOn`: the resourceVersion the write was conditioned on (undefined for a create). */
      written(kind: SourceKind, object: KubeObject, basedOn: string | undefined): void;
      deleted(kind: SourceKind, namespace: string, name: string): void;
      counted?(verb: WriteVerb, kind: SourceKind): void;
    },
  ) {}

  /** `signal`, when given, stops a write that has not been sent yet (e.g. the leader's term ended). */
  async execute(action: Action, signal?: AbortSignal): Promise<void> {
    switch (action.type) {
      case "create":
        return this.create(action.desired, signal);
      case "update":
        try {
          const updated = await this.client.request<KubeObject>("PUT", objectPath(action.desired.kind, action.desired.namespace, action.desired.name), {
            body: body(action.desired, action.resourceVersion),
            signal,
          });
          this.observe.counted?.("update", action.desired.kind);
          this.observe.written(action.desired.kind, updated, action.resourceVersion);
          return;
        } catch (error) {
          // A Secret's type is immutable: changing it needs a replace. Any other invalid update
          // fails as it is: deleting a valid copy to retry an invalid one would lose it.
          if (!isApiError(error, 422) || !/field is immutable/.test(error.message)) throw error;
        }
        return this.replace(action.desired, action.resourceVersion, signal);
      case "replace":
        return this.replace(action.desired, action.resourceVersion, signal);
      case "delete":
        return this.delete(action.kind, action.namespace, action.name, action.uid, action.resourceVersion, signal);
    }
  }

  private async create(desired: DesiredCopy, signal?: AbortSignal): Promise<void> {
    const created = await this.client.request<KubeObject>("POST", collectionPath(desired.kind, desired.namespace), { body: body(desired), signal });
    this.observe.counted?.("create", desired.kind);
    this.observe.written(desired.kind, created, undefined);
  }

  private async replace(desired: DesiredCopy, resourceVersion?: string, signal?: AbortSignal): Promise<void> {
    await this.delete(desired.kind, desired.namespace, desired.name, undefined, resourceVersion, signal);
    await this.create(desired, signal);
  }

  private async delete(kind: SourceKind, namespace: string, name: string, uid?: string, resourceVersion?: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.client.request("DELETE", objectPath(kind, namespace, name), {
        body: { apiVersion: "v1", kind: "DeleteOptions", preconditions: { uid, resourceVersion } },
        signal,
      });
      this.observe.counted?.("delete", kind);
    } catch (error) {
      if (!isApiError(error, 404)) throw error;
    }
    this.observe.deleted(kind, namespace, name);
  }
}
