// Kubeconfigs for the run's cluster that differ from a client's own in one respect: another
// server name, a proxy-url, another user (an exec plugin, say).
import { KubeConfig, type User } from "@kubernetes/client-node";
import type { KubeClient } from "../../src/kube/client.js";

export interface Variant {
  /** Replaces the server's host name (the port stays). */
  serverHost?: string;
  proxyUrl?: string;
  user?: Omit<User, "name">;
}

export function kubeConfigVariant(base: KubeClient, variant: Variant): KubeConfig {
  const cluster = base.config.getCurrentCluster()!;
  const server = new URL(cluster.server);
  if (variant.serverHost) server.hostname = variant.serverHost;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "c", server: server.origin, caData: cluster.caData, caFile: cluster.caFile, skipTLSVerify: false, proxyUrl: variant.proxyUrl }],
    users: [{ ...(variant.user ?? base.config.getCurrentUser()!), name: "u" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return kubeConfig;
}

/** An exec user running a plugin script of test/support with the pinned node. */
export function execUser(plugin: string, env: Record<string, string>): Omit<User, "name"> {
  return {
    exec: {
      apiVersion: "client.authentication.k8s.io/v1",
      command: process.execPath,
      args: [new URL(plugin, import.meta.url).pathname],
      env: Object.entries(env).map(([name, value]) => ({ name, value })),
      interactiveMode: "Never",
    },
  };
}

/**
 * A kubeconfig with two contexts, as kubectl users have: the current one, `elsewhere`, points at
 * a server that does not exist; `local` is the run's cluster with `namespace` as its namespace.
 * Only `--context local` reaches the cluster.
 */
export function kubeConfigWithContexts(base: KubeClient, namespace: string): KubeConfig {
  const cluster = base.config.getCurrentCluster()!;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      { name: "c", server: cluster.server, caData: cluster.caData, caFile: cluster.caFile, skipTLSVerify: false },
      { name: "nowhere", server: "https://127.0.0.1:1", caData: cluster.caData, skipTLSVerify: false },
    ],
    users: [{ ...base.config.getCurrentUser()!, name: "u" }],
    contexts: [
      { name: "elsewhere", cluster: "nowhere", user: "u", namespace: "default" },
      { name: "local", cluster: "c", user: "u", namespace },
    ],
    currentContext: "elsewhere",
  });
  return kubeConfig;
}
