// The one door to @kubernetes/client-node: Ferry uses its kubeconfig loading and authentication
// (KubeConfig) and nothing of its generated API clients. Importing the module that defines
// KubeConfig, not the package's index, keeps the rest of the package (watch, exec, attach, copy,
// port-forward and the ~900 generated API files) out of the process; src/cli/lean-imports.ts keeps
// the generated API out of what KubeConfig's own module imports.
export { KubeConfig } from "@kubernetes/client-node/dist/config.js";
export type { Cluster, User } from "@kubernetes/client-node/dist/config_types.js";
