// A proxy in front of a local apiserver that can leave every Lease request unanswered (one
// replica's "path to the Lease" paused) while all its other requests pass. It terminates TLS
// with the control plane's own serving certificate, so clients verify it as the apiserver.
import { Agent, createServer, request as httpsRequest } from "node:https";
import type { ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { LocalControlPlane } from "../../src/controlplane/local-control-plane.js";

export interface LeasePauseProxy {
  /** The proxy's URL, for a kubeconfig's server. */
  url: string;
  /** From now on Lease requests get no answer (the connection stays open). */
  pause(): void;
  /** Lease requests left unanswered so far. */
  held(): number;
  close(): Promise<void>;
}

export async function startLeasePauseProxy(plane: LocalControlPlane): Promise<LeasePauseProxy> {
  const pki = join(plane.dir, "pki");
  const ca = readFileSync(join(pki, "ca.crt"));
  const target = new URL(plane.server);
  const agent = new Agent({ keepAlive: true, ca });
  const unanswered = new Set<ServerResponse>();
  let heldCount = 0;
  let paused = false;
  const server = createServer({ cert: readFileSync(join(pki, "apiserver.crt")), key: readFileSync(join(pki, "apiserver.key")) }, (req, res) => {
    if (paused && req.url?.startsWith("/apis/coordination.k8s.io/")) {
      heldCount++;
      unanswered.add(res);
      res.on("close", () => unanswered.delete(res));
      req.resume();
      return;
    }
    const upstream = httpsRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      res.flushHeaders(); // a watch's headers come long before its first event
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy(); // the client went away (a watch it stopped)
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    pause: () => {
      paused = true;
    },
    held: () => heldCount,
    async close() {
      for (const res of unanswered) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
