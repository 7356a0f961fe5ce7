// What a request to the Kubernetes API is, from its method and path alone, the way kube-apiserver
// classifies it for its own `apiserver_request_total` (k8s.io/apiserver RequestInfoFactory): the
// verb (GET of a collection is LIST), the API group, the resource and the subresource. Namespaces
// and object names are dropped, so metric labels stay bounded. Pure: no I/O.

export interface ApiserverRequest {
  /** GET, LIST, POST, PUT, PATCH, DELETE, DELETECOLLECTION, or the method of a non-resource request. */
  verb: string;
  /** "" for the core group and for non-resource paths. */
  group: string;
  /** The plural resource ("secrets"), "" for discovery and other non-resource paths. */
  resource: string;
  subresource: string;
}

/** Subresources of a namespace itself (`/api/v1/namespaces/x/status`), not namespaced resources. */
const namespaceSubresources = new Set(["status", "finalize"]);

export function classifyApiserverRequest(method: string, path: string): ApiserverRequest {
  const upper = method.toUpperCase();
  const parts = path.split("?")[0]!.split("/").filter(Boolean);
  let rest: string[];
  let group = "";
  if (parts[0] === "api" && parts.length >= 2) {
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 3) {
    group = parts[1]!;
    rest = parts.slice(3);
  } else {
    return { verb: upper, group: "", resource: "", subresource: "" };
  }
  if (rest.length === 0) return { verb: upper, group, resource: "", subresource: "" };
  if (rest[0] === "namespaces" && rest.length > 2 && !namespaceSubresources.has(rest[2]!)) rest = rest.slice(2);
  const [resource, name, subresource = ""] = rest as [string, string | undefined, string | undefined];
  return { verb: resourceVerb(upper, name !== undefined), group, resource, subresource };
}

function resourceVerb(method: string, named: boolean): string {
  if (method === "GET" || method === "HEAD") return named ? "GET" : "LIST";
  if (method === "DELETE") return named ? "DELETE" : "DELETECOLLECTION";
  return method;
}
