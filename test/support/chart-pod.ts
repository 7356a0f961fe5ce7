// What the kubelet would give Ferry's container, read from the chart as `helm template` renders it:
// the container's args, its environment (values and the downward-API fields), its emptyDir
// volumes, the user and read-only root of its securityContext, its readiness probe, and the
// ServiceAccount token volume (automountServiceAccountToken). Anything the chart adds that this
// emulation cannot provide fails here, loudly, instead of being dropped.
import type { Manifest } from "../../tools/helm/chart.js";

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}

interface Container {
  name: string;
  args?: string[];
  command?: string[];
  env?: EnvVar[];
  envFrom?: unknown[];
  ports?: Array<{ name: string; containerPort: number }>;
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  securityContext?: { runAsUser?: number; runAsGroup?: number; readOnlyRootFilesystem?: boolean };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}

interface PodSpec {
  serviceAccountName: string;
  automountServiceAccountToken?: boolean;
  securityContext?: { runAsUser?: number; runAsGroup?: number };
  containers: Container[];
  volumes?: Array<{ name: string; emptyDir?: { sizeLimit?: string; medium?: string } }>;
}

export interface ChartPod {
  serviceAccountName: string;
  /** The container's args (the image's entrypoint stays: the chart sets no command). */
  args: string[];
  /** The container's environment with the downward-API fields resolved for this pod. */
  env: Record<string, string>;
  uid: number;
  gid: number;
  readOnlyRoot: boolean;
  tmpfs: Array<{ path: string; sizeMiB: number }>;
  /** Where the kubelet mounts the ServiceAccount token, ca.crt and namespace (if it does). */
  tokenMount?: string;
  readiness: { path: string; port: number };
}

const serviceAccountMount = "/var/run/secrets/kubernetes.io/serviceaccount";

function mebibytes(quantity: string | undefined): number {
  if (!quantity) return 64;
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`emptyDir sizeLimit ${quantity}: only Mi and Gi are emulated`);
  return Number(match[1]) * (match[2] === "Gi" ? 1024 : 1);
}

/** The Deployment's one container as a pod named `podName` in `namespace` would run it. */
export function chartPod(objects: Manifest[], pod: { name: string; namespace: string }): ChartPod {
  const deployments = objects.filter((object) => object.kind === "Deployment");
  if (deployments.length !== 1) throw new Error(`the chart rendered ${deployments.length} Deployments`);
  const spec = (deployments[0]!.spec as { template: { spec: PodSpec } }).template.spec;
  if (spec.containers.length !== 1) throw new Error(`the Deployment has ${spec.containers.length} containers`);
  const container = spec.containers[0]!;
  if (container.command) throw new Error("the chart overrides the image's entrypoint (command); the image test runs the image's own");
  if (container.envFrom?.length) throw new Error("envFrom is not emulated");

  const fields: Record<string, string> = { "metadata.name": pod.name, "metadata.namespace": pod.namespace, "spec.serviceAccountName": spec.serviceAccountName };
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (variable.valueFrom?.fieldRef && fields[variable.valueFrom.fieldRef.fieldPath] !== undefined) env[variable.name] = fields[variable.valueFrom.fieldRef.fieldPath]!;
    else throw new Error(`env ${variable.name}: ${JSON.stringify(variable.valueFrom)} is not emulated`);
  }

  const tmpfs: ChartPod["tmpfs"] = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = spec.volumes?.find((v) => v.name === mount.name);
    if (!volume?.emptyDir) throw new Error(`volume ${mount.name} at ${mount.mountPath}: only emptyDir is emulated`);
    tmpfs.push({ path: mount.mountPath, sizeMiB: mebibytes(volume.emptyDir.sizeLimit) });
  }

  const probe = container.readinessProbe?.httpGet;
  if (!probe) throw new Error("the container has no HTTP readiness probe");
  const port = typeof probe.port === "number" ? probe.port : container.ports?.find((p) => p.name === probe.port)?.containerPort;
  if (port === undefined) throw new Error(`readiness probe port ${probe.port} is not a container port`);

  const uid = container.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;
  const gid = container.securityContext?.runAsGroup ?? spec.securityContext?.runAsGroup;
  if (uid === undefined || gid === undefined) throw new Error("the chart sets no runAsUser/runAsGroup: the image's USER would apply");
  return {
    serviceAccountName: spec.serviceAccountName,
    args: container.args ?? [],
    env,
    uid,
    gid,
    readOnlyRoot: container.securityContext?.readOnlyRootFilesystem === true,
    tmpfs,
    tokenMount: spec.automountServiceAccountToken === false ? undefined : serviceAccountMount,
    readiness: { path: probe.path, port },
  };
}
