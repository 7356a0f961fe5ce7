// A real HTTP CONNECT proxy on 127.0.0.1 for tests (the method corporate proxies tunnel TLS
// with): it resolves names through `hosts` first, so a server name only the proxy knows proves
// that traffic went through it, and counts the tunnels it opened and those still open.
import { createServer, type IncomingMessage } from "node:http";
import { connect, type Server, type Socket } from "node:net";
import type { Duplex } from "node:stream";

export interface TunnelCounts {
  /** Tunnels opened so far. */
  opened: number;
  /** Tunnels open now. */
  open: number;
}

export interface TestProxy extends TunnelCounts {
  url: string;
  close(): Promise<void>;
}

/** Pipes a client connection to `host:port` and keeps the counts; resolves when connected. */
export function tunnel(counts: TunnelCounts, client: Duplex, host: string, port: number, onConnected: (upstream: Socket) => void): void {
  const upstream = connect(port, host, () => {
    counts.opened++;
    counts.open++;
    upstream.once("close", () => counts.open--);
    onConnected(upstream);
    upstream.pipe(client).pipe(upstream);
  });
  upstream.on("error", () => client.destroy());
  client.on("error", () => upstream.destroy());
  client.on("close", () => upstream.destroy());
}

export async function startConnectProxy(hosts: Record<string, string> = {}): Promise<TestProxy> {
  const sockets = new Set<Duplex>();
  const server = createServer((_request, response) => response.writeHead(405).end());
  const counts: TunnelCounts = { opened: 0, open: 0 };
  server.on("connect", (request: IncomingMessage, client: Duplex, head: Buffer) => {
    sockets.add(client);
    client.once("close", () => sockets.delete(client));
    const target = new URL(`http://${request.url ?? ""}`);
    tunnel(counts, client, hosts[target.hostname] ?? target.hostname, Number(target.port), (upstream) => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
    });
  });
  return listenOnLoopback(server, sockets, "http", counts);
}

/** Starts a proxy server on a free loopback port; closing it also cuts the tunnels it holds. */
export async function listenOnLoopback(server: Server, sockets: Set<Duplex>, scheme: string, counts: TunnelCounts): Promise<TestProxy> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("proxy has no port");
  return Object.assign(counts, {
    url: `${scheme}://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
}
