// The connection pool Ferry's client talks through: keep-alive sockets to the apiserver, directly
// or through the kubeconfig cluster's `proxy-url`. HTTP and HTTPS proxies use node's own proxy
// support in http.Agent (`proxyEnv`: a CONNECT tunnel for an https server, as client-go does);
// SOCKS proxies (socks4, socks4a, socks5, socks5h) use socks-proxy-agent, the agent client-node
// itself uses for them.
import { Agent as HttpAgent, type AgentOptions } from "node:http";
import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions } from "node:https";
import { SocksProxyAgent } from "socks-proxy-agent";

/** What TLS needs from the kubeconfig: trust, client certificate, server name. */
export type TlsMaterial = Pick<HttpsAgentOptions, "ca" | "cert" | "key" | "rejectUnauthorized" | "servername">;

export interface TransportOptions {
  server: URL;
  tls: TlsMaterial;
  /** The kubeconfig cluster's `proxy-url`. */
  proxyUrl?: string;
  maxSockets: number;
}

export function createTransport({ server, tls, proxyUrl, maxSockets }: TransportOptions): HttpAgent {
  const pool: AgentOptions = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets };
  const secure = server.protocol === "https:";
  if (proxyUrl) {
    const proxy = new URL(proxyUrl);
    if ((SocksProxyAgent.protocols as readonly string[]).includes(proxy.protocol.slice(0, -1))) {
      return new SocksProxyAgent(proxy, { ...pool, ...(secure ? tls : {}) });
    }
    if (proxy.protocol !== "http:" && proxy.protocol !== "https:") {
      throw new Error(`proxy-url scheme ${proxy.protocol} is not supported (http, https, ${SocksProxyAgent.protocols.join(", ")})`);
    }
    const proxyEnv = { HTTPS_PROXY: proxy.href, HTTP_PROXY: proxy.href };
    return secure ? new HttpsAgent({ ...pool, ...tls, proxyEnv }) : new HttpAgent({ ...pool, proxyEnv });
  }
  return secure ? new HttpsAgent({ ...pool, ...tls }) : new HttpAgent(pool);
}

/**
 * Stops a pool that new credentials replaced: idle sockets close now, busy ones (a watch, a
 * request in flight) close when their request ends instead of returning to the pool.
 */
export function retireTransport(agent: HttpAgent): void {
  // Agent reads `keepAlive` whenever a socket is freed; off, it destroys the socket.
  (agent as unknown as { keepAlive: boolean }).keepAlive = false;
  for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
}
