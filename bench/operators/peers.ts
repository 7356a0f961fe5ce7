// The peers, run by tools/peers/peer.ts exactly as their users run them (replicator at
// client-go's default 5 QPS; config-syncer with its chart's flags). The same input in each one's
// own annotations: a source copied into the namespaces a label selector picks. A peer whose
// binary is absent (CI, or a machine where it was not built) is skipped with the reason.
import { peerBinary, peers, startPeer, type PeerName } from "../../tools/peers/peer.js";
import type { Operator, RunningOperator, StartOptions } from "./operator.js";

const REPLICATOR = "replicator.v1.mittwald.de";
const KUBED = "kubed.appscode.com";

function peerOperator(name: PeerName, readiness: string, sourceMetadata: Operator["sourceMetadata"]): Operator {
  const spec = peers[name];
  return {
    name,
    title: `${spec.binary} ${spec.version}`,
    commandLine: () => `${spec.binary} ${spec.args({ kubeconfig: "<kubeconfig>", port: 0, dir: "<dir>" }).join(" ").replace(/\b0\b/, "<port>")}`,
    readiness,
    unavailable() {
      try {
        peerBinary(name);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
    overwritesUnmanaged: true,
    sourceMetadata,
    async start({ kubeconfig, dir }: StartOptions): Promise<RunningOperator> {
      const peer = await startPeer({ name, kubeconfig, dir, timeoutMs: 600_000 });
      return { pid: peer.pid, readyMs: peer.readyMs, stop: () => peer.stop(20_000) };
    },
  };
}

export const replicatorOperator = (): Operator =>
  peerOperator("replicator", "/readyz 200: every informer synced", (key, value) => ({ annotations: { [`${REPLICATOR}/replicate-to-matching`]: `${key}=${value}` } }));

export const configSyncerOperator = (): Operator =>
  peerOperator("config-syncer", "/healthz 200 (served before its informers have synced; it has no readiness endpoint)", (key, value) => ({
    annotations: { [`${KUBED}/sync`]: `${key}=${value}` },
  }));
