// /healthz (the process serves), /readyz (caches synced, watches healthy, first plan done) and
// /metrics (Prometheus text) on one port.
import { createServer, type Server } from "node:http";

export interface HealthSource {
  isReady(): boolean;
  watchHealth(): Array<{ name: string; healthy: boolean }>;
}

/** What /metrics needs: prom-client's Registry satisfies it. */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

export function startHealthServer(port: number, source: HealthSource, registry: MetricsSource, host = "0.0.0.0"): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz" || path === "/livez") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    } else if (path === "/readyz") {
      const ready = source.isReady();
      const detail = source
        .watchHealth()
        .map((watch) => `${watch.healthy ? "[+]" : "[-]"}watch ${watch.name}`)
        .join("\n");
      res.writeHead(ready ? 200 : 503, { "content-type": "text/plain" }).end(`${detail}\n${ready ? "ok" : "not ready"}\n`);
    } else if (path === "/metrics") {
      registry
        .metrics()
        .then((text) => res.writeHead(200, { "content-type": registry.contentType }).end(text))
        .catch((error: Error) => res.writeHead(500).end(error.message));
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
