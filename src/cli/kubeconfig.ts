// Which cluster and namespace a `ferry` command means, decided as kubectl decides them: the
// kubeconfig file, `--context` to pick one of its contexts (else its current one), and the
// namespace a read command looks at: `-n`, else the context's namespace, else `default`.
import { KubeConfig } from "../kube/kube-config.js";

export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
}

/** Makes `context` the current context; fails, naming the known ones, when the kubeconfig has no such context. */
export function useContext(kubeConfig: KubeConfig, context: string | undefined): void {
  if (context === undefined) return;
  if (!kubeConfig.getContextObject(context)) {
    const known = kubeConfig.getContexts().map((c) => c.name);
    throw new Error(`context "${context}" is not in the kubeconfig (contexts: ${known.length > 0 ? known.join(", ") : "none"})`);
  }
  kubeConfig.setCurrentContext(context);
}

/** The read commands' kubeconfig: --kubeconfig, else KUBECONFIG, else ~/.kube/config (else in-cluster), then --context. */
export function readCommandKubeConfig(flags: ClusterFlags): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (flags.kubeconfig) kubeConfig.loadFromFile(flags.kubeconfig);
  else kubeConfig.loadFromDefault();
  useContext(kubeConfig, flags.context);
  return kubeConfig;
}

/** The namespace to look at: the one named, else the current context's, else `default`. */
export function namespaceToLookAt(kubeConfig: KubeConfig, named: string | undefined): string {
  return named ?? kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace ?? "default";
}
