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

registerHooks({
  resolve(specifier, context, next) {
    if (specifier === "./gen/index.js" && context.parentURL?.endsWith("/@kubernetes/client-node/dist/config.js")) return { url: standIn, shortCircuit: true };
    return next(specifier, context);
  },
});
