// Values and manifest queries shared by the chart tests: every value switched on, the CRDs the
// chart can render, and typed views of the rendered Deployment.
import assert from "node:assert/strict";
import type { Manifest } from "../../tools/helm/chart.js";

export const NATIVE_CRDS = ["distributions.ferry.dev", "clusterdistributions.ferry.dev", "registrycredentials.ferry.dev"];
export const FOREIGN_CRDS = [
  "resourcedistributions.apps.kruise.io",
  "templategroupinstances.tenantoperator.stakater.com",
  "templateinstances.tenantoperator.stakater.com",
  "templates.tenantoperator.stakater.com",
];

/** Every value the chart has, switched on or set away from its default. */
export function everyToggle(namespace: string): Record<string, unknown> {
  return {
    namespaceOverride: namespace,
    commonLabels: { "example.com/cost-center": "platform-42", team: "platform" },
    image: { repository: "registry.example.com/platform/ferry", digest: `sha256:${"ab".repeat(32)}`, pullPolicy: "Always" },
    imagePullSecrets: [{ name: "registry-pull" }],
    replicas: 3,
    leaderElection: { enabled: true, leaseDurationSeconds: 30 },
    podDisruptionBudget: { enabled: true, minAvailable: 1, maxUnavailable: "50%" },
    policy: "strict",
    dialects: ["native", "kruise", "kruise-rd", "stakater", "registry-creds"],
    clusterName: "prod-eu-1",
    concurrency: 8,
    qps: 50,
    burst: 100,
    serveForeignCrds: true,
    logLevel: "debug",
    healthPort: 9090,
    extraArgs: ["--no-registry", "--hub"],
    crds: { install: true, installForeign: true, keep: true, manageAtRuntime: true },
    serviceAccount: { create: true, name: "ferry-operator", annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/ferry" } },
    rbac: { create: true, aggregateClusterRoles: true },
    extraEnv: [{ name: "awsregion", value: "eu-west-1" }, { name: "DOCKER_USER", valueFrom: { secretKeyRef: { name: "registry-creds-dockerhub", key: "DOCKER_USER", optional: true } } }],
    extraEnvFrom: [{ secretRef: { name: "registry-creds-env", optional: true } }],
    extraVolumes: [{ name: "ca-bundle", configMap: { name: "corporate-ca" } }],
    extraVolumeMounts: [{ name: "ca-bundle", mountPath: "/etc/ssl/corporate", readOnly: true }],
    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    priorityClassName: "system-cluster-critical",
    podAnnotations: { "example.com/owner": "platform" },
    podLabels: { team: "platform" },
    nodeSelector: { "kubernetes.io/os": "linux" },
    tolerations: [{ key: "dedicated", operator: "Equal", value: "platform", effect: "NoSchedule" }],
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { "app.kubernetes.io/name": "ferry" } } } },
        ],
      },
    },
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { "app.kubernetes.io/name": "ferry" } } }],
    networkPolicy: {
      enabled: true,
      metricsFrom: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
      egress: [{ ports: [{ port: 53, protocol: "UDP" }] }, { to: [{ ipBlock: { cidr: "10.0.0.1/32" } }], ports: [{ port: 6443, protocol: "TCP" }] }],
    },
    metrics: {
      service: { enabled: true, port: 9100, annotations: { "example.com/scrape": "true" } },
      serviceMonitor: {
        enabled: true,
        interval: "15s",
        scrapeTimeout: "5s",
        labels: { release: "prometheus" },
        relabelings: [{ action: "replace", targetLabel: "cluster", replacement: "prod-eu-1" }],
        metricRelabelings: [{ action: "drop", sourceLabels: ["__name__"], regex: "nodejs_.*" }],
      },
      prometheusRule: {
        enabled: true,
        labels: { release: "prometheus" },
        alertLabels: { team: "platform" },
        credentialExpiringSeconds: 1200,
        watchSilentSeconds: 900,
        copiesFailingFor: "30m",
        copiesInConflictFor: "2h",
        memberUnreachableFor: "5m",
        disabledAlerts: ["FerryCopiesInConflict"],
      },
    },
  };
}

export function only(objects: Manifest[], kind: string): Manifest {
  const found = objects.filter((object) => object.kind === kind);
  assert.equal(found.length, 1, `exactly one ${kind} (found ${found.length})`);
  return found[0]!;
}

export function names(objects: Manifest[], kind: string): string[] {
  return objects
    .filter((object) => object.kind === kind)
    .map((object) => object.metadata.name)
    .sort();
}

export interface Container {
  image: string;
  args: string[];
  env?: Array<{ name: string }>;
  envFrom?: unknown[];
  ports: Array<{ name: string; containerPort: number }>;
  securityContext: Record<string, unknown>;
  livenessProbe?: { httpGet: { path: string; port: string } };
  readinessProbe?: { httpGet: { path: string; port: string } };
  startupProbe?: { httpGet: { path: string; port: string } };
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}

export interface DeploymentSpec {
  replicas: number;
  strategy: { type: string };
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string> }; spec: { serviceAccountName: string; securityContext: Record<string, unknown>; containers: Container[] } };
}

export function deployment(objects: Manifest[]): DeploymentSpec {
  return only(objects, "Deployment").spec as DeploymentSpec;
}

export function container(objects: Manifest[]): Container {
  const containers = deployment(objects).template.spec.containers;
  assert.equal(containers.length, 1);
  return containers[0]!;
}

