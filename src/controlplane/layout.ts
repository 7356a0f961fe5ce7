// The files, ports and command lines of a local control plane: its PKI and kubeconfigs written
// into its directory, free ports picked, and the flags of etcd, kube-apiserver and
// kube-controller-manager (a real cluster without nodes: TLS, RBAC, service-account tokens).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureControlPlaneBinaries } from "./build.js";
import { freePort } from "./free-port.js";
import { createControlPlanePki } from "./pki.js";

export type ComponentName = "etcd" | "apiserver" | "controllerManager";
export const componentBinary: Record<ComponentName, string> = {
  etcd: "etcd",
  apiserver: "kube-apiserver",
  controllerManager: "kube-controller-manager",
};
export const startOrder: ComponentName[] = ["etcd", "apiserver", "controllerManager"];

export interface ControlPlaneState {
  binDir: string;
  ports: { etcdClient: number; etcdPeer: number; apiserver: number; controllerManager: number };
  args: Record<ComponentName, string[]>;
  pids: Partial<Record<ComponentName, number>>;
}

/** The issuer of the ServiceAccount tokens it signs (with pki/sa.key; pki/sa.pub verifies them). */
export const SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";
const serviceClusterIpRange = "10.96.0.0/16";
const serviceClusterIp = "10.96.0.1";

function encode(pem: string): string {
  return Buffer.from(pem).toString("base64");
}

function kubeconfig(server: string, caPem: string, certPem: string, keyPem: string, user: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: ferry-local
  cluster:
    server: ${server}
    certificate-authority-data: ${encode(caPem)}
users:
- name: ${user}
  user:
    client-certificate-data: ${encode(certPem)}
    client-key-data: ${encode(keyPem)}
contexts:
- name: ferry-local
  context:
    cluster: ferry-local
    user: ${user}
current-context: ferry-local
`;
}

/** Writes the control plane's PKI and kubeconfigs into `dir` and returns how to start its components. */
export async function prepareControlPlane(dir: string, apiserverArgs: readonly string[]): Promise<Omit<ControlPlaneState, "pids">> {
    const binDir = await ensureControlPlaneBinaries();
    for (const sub of ["pki", "etcd", "logs"]) mkdirSync(join(dir, sub), { recursive: true });
    const pki = createControlPlanePki(serviceClusterIp);
    const file = (name: string, content: string) => {
      const path = join(dir, "pki", name);
      writeFileSync(path, content, { mode: 0o600 });
      return path;
    };
    const caCert = file("ca.crt", pki.ca.certPem);
    const apiserverCert = file("apiserver.crt", pki.apiserver.certPem);
    const apiserverKey = file("apiserver.key", pki.apiserver.keyPem);
    const saKey = file("sa.key", pki.serviceAccount.privateKeyPem);
    const saPub = file("sa.pub", pki.serviceAccount.publicKeyPem);
    file("admin.crt", pki.admin.certPem);
    file("admin.key", pki.admin.keyPem);
    const ports = {
      etcdClient: await freePort(),
      etcdPeer: await freePort(),
      apiserver: await freePort(),
      controllerManager: await freePort(),
    };
    const server = `https://127.0.0.1:${ports.apiserver}`;
    writeFileSync(join(dir, "kubeconfig"), kubeconfig(server, pki.ca.certPem, pki.admin.certPem, pki.admin.keyPem, "admin"), {
      mode: 0o600,
    });
    const kcmKubeconfig = join(dir, "pki", "controller-manager.kubeconfig");
    writeFileSync(
      kcmKubeconfig,
      kubeconfig(server, pki.ca.certPem, pki.controllerManager.certPem, pki.controllerManager.keyPem, "controller-manager"),
      { mode: 0o600 },
    );
    const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
    const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
    const args: Record<ComponentName, string[]> = {
      etcd: [
        "--name=default",
        `--data-dir=${join(dir, "etcd")}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        "--unsafe-no-fsync=true",
        "--quota-backend-bytes=8589934592",
        "--log-level=warn",
      ],
      apiserver: [
        `--etcd-servers=${etcdUrl}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        // No kubelet runs, so nothing serves the `kubernetes` Service endpoints; a loopback
        // advertise address is refused by the default (lease) endpoint reconciler.
        "--endpoint-reconciler-type=none",
        `--secure-port=${ports.apiserver}`,
        `--cert-dir=${join(dir, "pki")}`,
        `--tls-cert-file=${apiserverCert}`,
        `--tls-private-key-file=${apiserverKey}`,
        `--client-ca-file=${caCert}`,
        "--authorization-mode=RBAC",
        `--service-cluster-ip-range=${serviceClusterIpRange}`,
        `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
        `--service-account-key-file=${saPub}`,
        `--service-account-signing-key-file=${saKey}`,
        "--allow-privileged=true",
        "--profiling=false",
        "--v=0",
        ...apiserverArgs,
      ],
      controllerManager: [
        `--kubeconfig=${kcmKubeconfig}`,
        `--authentication-kubeconfig=${kcmKubeconfig}`,
        `--authorization-kubeconfig=${kcmKubeconfig}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${ports.controllerManager}`,
        `--cert-dir=${join(dir, "pki", "kcm")}`,
        "--controllers=namespace-controller,serviceaccount-controller,serviceaccount-token-controller,garbage-collector-controller,root-ca-certificate-publisher-controller,clusterrole-aggregation-controller",
        `--service-account-private-key-file=${saKey}`,
        `--root-ca-file=${caCert}`,
        "--use-service-account-credentials=false",
        "--leader-elect=false",
        "--concurrent-namespace-syncs=10",
        "--concurrent-gc-syncs=20",
        "--kube-api-qps=200",
        "--kube-api-burst=400",
        "--v=0",
      ],
    };
    return { binDir, ports, args };
}
