// The path and query of one request to the apiserver, built as a string: the server's own path
// (a kubeconfig `server` behind a gateway, e.g. Rancher's https://host/k8s/clusters/c-abc) comes
// first, as client-go keeps it, then the API path and the query. Building a URL object per request
// and handing it to node's http was 5% of Ferry's CPU while it wrote 1,000 copies.

export type Query = Record<string, string | number | boolean | undefined>;

/** `basePath` is the server URL's pathname ("/" or "" for none); `path` starts with "/". */
export function requestTarget(basePath: string, path: string, query?: Query): string {
  let target = basePath.endsWith("/") ? basePath.slice(0, -1) + path : basePath + path;
  let separator = target.includes("?") ? "&" : "?";
  for (const key in query) {
    const value = query[key];
    if (value === undefined) continue;
    target += `${separator}${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`;
    separator = "&";
  }
  return target;
}
