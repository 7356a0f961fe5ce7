// The node flags the container image starts Ferry with (its entrypoint, tools/image/image-spec.ts),
// so the benchmark measures the process as it ships, not as a development shell runs it.
import { imageSpec } from "../tools/image/image-spec.js";

export function imageNodeFlags(): string[] {
  const argv = imageSpec().config.entrypoint;
  const script = argv.indexOf("dist/src/cli/main.js");
  if (argv[0] !== "node" || script < 0) throw new Error(`unexpected image entrypoint ${JSON.stringify(argv)}`);
  return argv.slice(1, script);
}
