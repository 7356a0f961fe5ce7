// A real SOCKS5 proxy (RFC 1928: no authentication, CONNECT) on 127.0.0.1 for tests, with the
// same host map and tunnel counts as the CONNECT proxy.
import { createServer, type Socket } from "node:net";
import { listenOnLoopback, tunnel, type TestProxy, type TunnelCounts } from "./connect-proxy.js";

/** Reads the greeting and the CONNECT request from `buffer`; undefined until both are complete. */
function parseRequest(buffer: Buffer): { host: string; port: number; length: number } | undefined {
  if (buffer.length < 2) return undefined;
  const greeting = 2 + buffer[1]!;
  const request = buffer.subarray(greeting);
  if (request.length < 5) return undefined;
  if (request[0] !== 5 || request[1] !== 1) throw new Error("not a SOCKS5 CONNECT");
  const type = request[3];
  const [start, end] = type === 1 ? [4, 8] : type === 3 ? [5, 5 + request[4]!] : type === 4 ? [4, 20] : [0, -1];
  if (end < 0) throw new Error(`unknown address type ${type}`);
  if (request.length < end + 2) return undefined;
  const address = request.subarray(start, end);
  const host = type === 3 ? address.toString("latin1") : type === 1 ? [...address].join(".") : (address.toString("hex").match(/.{4}/g) ?? []).join(":");
  return { host, port: request.readUInt16BE(end), length: greeting + end + 2 };
}

export async function startSocksProxy(hosts: Record<string, string> = {}): Promise<TestProxy> {
  const sockets = new Set<Socket>();
  const counts: TunnelCounts = { opened: 0, open: 0 };
  const server = createServer((client) => {
    sockets.add(client);
    client.once("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    let buffer = Buffer.alloc(0);
    let greeted = false;
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!greeted && buffer.length >= 2 + (buffer[1] ?? 0)) {
        greeted = true;
        client.write(Buffer.from([5, 0])); // version 5, no authentication
      }
      let request;
      try {
        request = parseRequest(buffer);
      } catch {
        client.destroy();
        return;
      }
      if (!request) return;
      client.off("data", onData);
      client.pause();
      const rest = buffer.subarray(request.length);
      tunnel(counts, client, hosts[request.host] ?? request.host, request.port, (upstream) => {
        client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0])); // succeeded, bound address unspecified
        if (rest.length > 0) upstream.write(rest);
      });
    };
    client.on("data", onData);
  });
  return listenOnLoopback(server, sockets, "socks5h", counts);
}
