// Every dialect built into Ferry, native first. Adding a dialect is its file, its tests and one
// line here (docs/architecture.md). The registry's dialect is not listed: registry/ registers it
// at the composition root (src/cli/dialects.ts), so dialects/ never imports from above.
import type { Dialect } from "./dialect.js";
import { kruiseAnnotationsDialect } from "./kruise-annotations.js";
import { kruiseResourceDistributionDialect } from "./kruise-resource-distribution.js";
import { kubedDialect } from "./kubed.js";
import { mwsyncDialect } from "./mwsync.js";
import { nativeDialect } from "./native.js";
import { reflectorDialect } from "./reflector.js";
import { replicatorDialect } from "./replicator.js";
import { stakaterDialect } from "./stakater.js";
import { whispererDialect } from "./whisperer.js";

export const builtInDialects: readonly Dialect[] = [
  nativeDialect,
  kruiseAnnotationsDialect,
  kruiseResourceDistributionDialect,
  whispererDialect,
  stakaterDialect,
  mwsyncDialect,
  replicatorDialect,
  reflectorDialect,
  kubedDialect,
];
