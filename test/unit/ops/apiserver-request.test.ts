// Requests to the apiserver are classified as kube-apiserver classifies them for its own metrics,
// with no namespace or object name in the result (bounded metric labels).
import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyApiserverRequest } from "../../../src/ops/apiserver-request.js";

test("resource requests: verb, group, resource and subresource, without namespaces or names", () => {
  const cases: Array<[string, string, string, string, string, string]> = [
    // method, path -> verb, group, resource, subresource
    ["GET", "/api/v1/namespaces", "LIST", "", "namespaces", ""],
    ["GET", "/api/v1/namespaces/team-a", "GET", "", "namespaces", ""],
    ["POST", "/api/v1/namespaces", "POST", "", "namespaces", ""],
    ["PUT", "/api/v1/namespaces/team-a/status", "PUT", "", "namespaces", "status"],
    ["PUT", "/api/v1/namespaces/team-a/finalize", "PUT", "", "namespaces", "finalize"],
    ["GET", "/api/v1/secrets", "LIST", "", "secrets", ""],
    ["GET", "/api/v1/namespaces/team-a/secrets", "LIST", "", "secrets", ""],
    ["GET", "/api/v1/namespaces/team-a/secrets/db", "GET", "", "secrets", ""],
    ["POST", "/api/v1/namespaces/team-a/secrets", "POST", "", "secrets", ""],
    ["PUT", "/api/v1/namespaces/team-a/secrets/db", "PUT", "", "secrets", ""],
    ["DELETE", "/api/v1/namespaces/team-a/configmaps/db", "DELETE", "", "configmaps", ""],
    ["DELETE", "/api/v1/namespaces/team-a/configmaps", "DELETECOLLECTION", "", "configmaps", ""],
    ["PATCH", "/api/v1/namespaces/team-a/serviceaccounts/default", "PATCH", "", "serviceaccounts", ""],
    ["POST", "/api/v1/namespaces/team-a/serviceaccounts/default/token", "POST", "", "serviceaccounts", "token"],
    ["PATCH", "/apis/ferry.dev/v1alpha1/namespaces/team-a/distributions/d/status", "PATCH", "ferry.dev", "distributions", "status"],
    ["PATCH", "/apis/ferry.dev/v1alpha1/clusterdistributions/c/status", "PATCH", "ferry.dev", "clusterdistributions", "status"],
    ["GET", "/apis/coordination.k8s.io/v1/namespaces/ferry-system/leases/ferry-leader", "GET", "coordination.k8s.io", "leases", ""],
    ["PATCH", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/distributions.ferry.dev?fieldManager=ferry", "PATCH", "apiextensions.k8s.io", "customresourcedefinitions", ""],
    ["head", "/api/v1/namespaces/team-a/secrets/db", "GET", "", "secrets", ""],
  ];
  for (const [method, path, verb, group, resource, subresource] of cases) {
    assert.deepEqual(classifyApiserverRequest(method, path), { verb, group, resource, subresource }, `${method} ${path}`);
  }
});

test("discovery and other non-resource paths have no resource and keep their method", () => {
  for (const path of ["/api", "/api/v1", "/apis", "/apis/ferry.dev/v1alpha1", "/version", "/openapi/v3", "/healthz", "/"]) {
    const request = classifyApiserverRequest("GET", path);
    assert.equal(request.verb, "GET", path);
    assert.equal(request.resource, "", path);
    assert.equal(request.subresource, "", path);
  }
  assert.equal(classifyApiserverRequest("GET", "/apis/ferry.dev/v1alpha1").group, "ferry.dev");
});
