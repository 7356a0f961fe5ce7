// The path and query Ferry sends: the kubeconfig server's own path kept in front (as client-go
// does), query values escaped so that selectors and continue tokens arrive as they were given.
import assert from "node:assert/strict";
import { test } from "node:test";
import { requestTarget } from "../../../src/kube/request-target.js";

test("a server behind a gateway path (Rancher's /k8s/clusters/ID) keeps that path in front of every API path", () => {
  assert.equal(requestTarget("/k8s/clusters/c-abc", "/api/v1/secrets"), "/k8s/clusters/c-abc/api/v1/secrets");
  assert.equal(requestTarget("/k8s/clusters/c-abc/", "/api/v1/secrets"), "/k8s/clusters/c-abc/api/v1/secrets");
  assert.equal(requestTarget("/", "/api/v1/secrets"), "/api/v1/secrets");
  assert.equal(requestTarget("", "/api/v1/secrets"), "/api/v1/secrets");
});

test("query values arrive as given: what URLSearchParams decodes is the value that was set", () => {
  const query = { labelSelector: "a.b/c!=x,d in (e,f)", fieldSelector: "metadata.namespace!=ferry", continue: "eyJ2Ijoi+/=", limit: 500, watch: true, skipped: undefined };
  const target = requestTarget("/", "/api/v1/secrets", query);
  const parsed = new URL(target, "https://h").searchParams;
  assert.equal(parsed.get("labelSelector"), query.labelSelector);
  assert.equal(parsed.get("fieldSelector"), query.fieldSelector);
  assert.equal(parsed.get("continue"), query.continue);
  assert.equal(parsed.get("limit"), "500");
  assert.equal(parsed.get("watch"), "true");
  assert.equal(parsed.has("skipped"), false);
  assert.equal(new URL(target, "https://h").pathname, "/api/v1/secrets");
});
