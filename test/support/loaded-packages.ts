// Run in a child process (test/unit/kube/client-node-imports.test.ts): loads Ferry's command as
// `ferry run` does (lean-imports first), then prints which files of some packages were loaded,
// and whether client-node's KubeConfig still applies a kubeconfig's TLS and token to https options.
import { registerHooks } from "node:module";

const loaded: string[] = [];
registerHooks({
  load(url, context, next) {
    if (url.includes("/node_modules/")) loaded.push(url.slice(url.lastIndexOf("/node_modules/") + 14));
    return next(url, context);
  },
});
await import("../../src/cli/lean-imports.js");
await import("../../src/cli/run.js");
const { KubeConfig } = await import("../../src/kube/kube-config.js");
const config = new KubeConfig();
config.loadFromOptions({
  clusters: [{ name: "c", server: "https://127.0.0.1:6443", skipTLSVerify: false, caData: Buffer.from("not a real CA").toString("base64") }],
  users: [{ name: "u", token: "a-token" }],
  contexts: [{ name: "x", cluster: "c", user: "u" }],
  currentContext: "x",
});
const options: { headers?: Record<string, string>; ca?: unknown } = {};
await config.applyToHTTPSOptions(options);
console.log(JSON.stringify({ loaded, authorization: options.headers?.Authorization, ca: options.ca !== undefined }));
