// Loaded first by the `ferry` command: keeps @kubernetes/client-node's generated API (~900 modules,
// ~16 MiB of source) out of the process. Ferry uses only KubeConfig (src/kube/kube-config.ts);
// the module defining it imports the generated API for one method, makeApiClient, which Ferry
// never calls. That import is answered with a stand-in that says so if it ever is called. It
// halves the time to load Ferry (~0.5 s to ~0.25 s on 2 cores) and takes ~30 MiB off its RSS
// (bench/: start-up and memory rows). Must run before anything imports client-node: main.ts
// imports this module first and everything else dynamically.
import { registerHooks } from "node:module";

const standIn =
  "data:text/javascript," +
  encodeURIComponent(
    "const absent = () => { throw new Error(\"Ferry does not load @kubernetes/client-node's generated API (src/cli/lean-imports.ts)\"); };" +
      "export const createConfiguration = absent; export class ServerConfiguration { constructor() { absent(); } }",
  );

// client-node's KubeConfig also builds undici dispatchers for its own fetch-based clients
// (applyToFetchOptions, createDispatcher); Ferry talks to the API with node:https and uses
// applyToHTTPSOptions only. The undici package is ~110 modules (~1.2 MiB of source, ~3 MiB of heap
// and ~10 MiB of RSS once loaded), so client-node gets a stand-in that says so if it is ever used.
const undiciStandIn =
  "data:text/javascript," +
  encodeURIComponent(
    "const absent = () => { throw new Error(\"Ferry does not load undici for @kubernetes/client-node (src/cli/lean-imports.ts)\"); };" +
      "export class Agent { constructor() { absent(); } } export class ProxyAgent { constructor() { absent(); } } export const fetch = absent;",
  );

registerHooks({
  resolve(specifier, context, next) {
    if (specifier === "./gen/index.js" && context.parentURL?.endsWith("/@kubernetes/client-node/dist/config.js")) return { url: standIn, shortCircuit: true };
    if (specifier === "undici" && context.parentURL?.includes("/@kubernetes/client-node/dist/")) return { url: undiciStandIn, shortCircuit: true };
    return next(specifier, context);
  },
});
