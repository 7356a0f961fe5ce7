// `npx tsx bench/multicluster.ts [--samples N]`: time from a source update on the hub to the
// copy in a member namespace, through both hops of the secret-replicator-eks flow (hub Ferry
// namespace -> member Ferry namespace -> member namespace), on two dedicated real control planes.
// Arrival is observed with watches on the member (no polling). Prints the median (and more).
import { Command } from "commander";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { startFerry, type RunningFerry } from "../src/cli/run.js";
import { LocalControlPlane } from "../src/controlplane/local-control-plane.js";
import { KubeClient } from "../src/kube/client.js";
import type { KubeObject } from "../src/kube/informer.js";
import { startHub, type Hub } from "../src/multicluster/index.js";
import { waitFor } from "../src/util/wait-for.js";

const options = new Command("bench-multicluster")
  .option("--samples <n>", "source updates to time", (v) => Number(v), 20)
  .parse(process.argv)
  .opts<{ samples: number }>();

const FERRY_NS = "ferry-system";
const APP_NS = "bench-app";
const SOURCE = "bench-regcred";
const b64 = (text: string) => Buffer.from(text).toString("base64");

/** Watches one Secret by name and resolves waiters when its data.v reaches a value. */
class Arrivals {
  private readonly seen = new Map<string, number>();
  private readonly abort = new AbortController();
  private closed = false;

  constructor(client: KubeClient, namespace: string) {
    const run = async () => {
      while (!this.closed) {
        try {
          await client.stream(
            `/api/v1/namespaces/${namespace}/secrets`,
            { query: { watch: 1, fieldSelector: `metadata.name=${SOURCE}`, timeoutSeconds: 600 }, signal: this.abort.signal },
            (raw) => {
              const event = raw as { type: string; object: KubeObject };
              const value = (event.object.data as Record<string, string> | undefined)?.v;
              if (value !== undefined && !this.seen.has(value)) this.seen.set(value, performance.now());
            },
          );
        } catch {
          // aborted, or the watch ended: reopen unless closed
        }
      }
    };
    void run();
  }

  /** When (performance.now()) the Secret first carried data.v = value. */
  at(value: string): Promise<number> {
    return waitFor(() => this.seen.get(b64(value)), { timeoutMs: 30_000, intervalMs: 1, description: `value ${value}` });
  }

  close(): void {
    this.closed = true;
    this.abort.abort();
  }
}

function quantile(sorted: number[], q: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}

function summary(values: number[]): Record<string, number> {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 === 0 ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
  const round = (n: number) => Math.round(n * 10) / 10;
  return { median: round(median), p90: round(quantile(sorted, 0.9)), min: round(sorted[0]!), max: round(sorted[sorted.length - 1]!) };
}

async function main(): Promise<void> {
  const [hubPlane, memberPlane] = await Promise.all([
    LocalControlPlane.up({ dir: mkdtempSync(join(tmpdir(), "ferry-bench-hub-")) }),
    LocalControlPlane.up({ dir: mkdtempSync(join(tmpdir(), "ferry-bench-member-")) }),
  ]);
  const hubClient = await KubeClient.fromFile(hubPlane.kubeconfigPath);
  const memberClient = await KubeClient.fromFile(memberPlane.kubeconfigPath);
  const logger = pino({ level: "warn" }, pino.destination({ dest: join(hubPlane.dir, "ferry.log"), sync: false }));
  let member: RunningFerry | undefined;
  let hub: Hub | undefined;
  const arrivals: Arrivals[] = [];
  try {
    for (const [client, ns] of [[hubClient, FERRY_NS], [memberClient, APP_NS]] as const) {
      await client.request("POST", "/api/v1/namespaces", { body: { metadata: { name: ns } } });
    }
    // The member's agent: its own Ferry (creates ferry-system there).
    member = await startFerry({ client: memberClient, logger, namespace: FERRY_NS, policy: "guarded", clusterName: "member-1", installCrds: true });
    await waitFor(() => member!.engine.isReady(), { timeoutMs: 60_000, description: "member Ferry ready" });
    await hubClient.request("POST", `/api/v1/namespaces/${FERRY_NS}/secrets`, {
      body: { metadata: { name: "member-1", labels: { "ferry.dev/cluster": "true" } }, data: { kubeconfig: b64(readFileSync(memberPlane.kubeconfigPath, "utf8")) } },
    });
    hub = await startHub({ client: hubClient, logger, ferryNamespace: FERRY_NS, hubName: "hub" });
    const hop1 = new Arrivals(memberClient, FERRY_NS);
    const hop2 = new Arrivals(memberClient, APP_NS);
    arrivals.push(hop1, hop2);
    await hubClient.request("POST", `/api/v1/namespaces/${FERRY_NS}/secrets`, {
      body: { metadata: { name: SOURCE, annotations: { "mw-sync": "yes" } }, type: "Opaque", data: { v: b64("0") } },
    });
    await hop2.at("0");

    const firstHop: number[] = [];
    const endToEnd: number[] = [];
    for (let i = 1; i <= options.samples; i++) {
      const started = performance.now();
      await hubClient.request("PATCH", `/api/v1/namespaces/${FERRY_NS}/secrets/${SOURCE}`, {
        body: { data: { v: b64(String(i)) } },
        contentType: "application/merge-patch+json",
      });
      const [one, two] = await Promise.all([hop1.at(String(i)), hop2.at(String(i))]);
      firstHop.push(one - started);
      endToEnd.push(two - started);
    }
    const result = {
      samples: options.samples,
      hubToMemberFerryNamespaceMs: summary(firstHop),
      hubToMemberNamespaceMs: summary(endToEnd),
    };
    console.log(`hub source update -> copy in a member namespace (both hops), median of ${options.samples}: ${result.hubToMemberNamespaceMs.median} ms`);
    console.log(`  first hop (hub -> member's ${FERRY_NS}): median ${result.hubToMemberFerryNamespaceMs.median} ms`);
    console.log(JSON.stringify(result));
  } finally {
    for (const arrival of arrivals) arrival.close();
    await hub?.stop();
    await member?.stop();
    hubClient.close();
    memberClient.close();
    await Promise.all([hubPlane.down(), memberPlane.down()]);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
