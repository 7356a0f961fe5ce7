// The node flags the container image starts Ferry with (the Dockerfile's ENTRYPOINT), so the
// benchmark measures the process as it ships, not as a development shell runs it.
import { readFileSync } from "node:fs";

export function imageNodeFlags(dockerfile = "Dockerfile"): string[] {
  const line = readFileSync(dockerfile, "utf8")
    .split("\n")
    .find((l) => l.startsWith("ENTRYPOINT "));
  if (!line) throw new Error(`${dockerfile} has no ENTRYPOINT`);
  const argv = JSON.parse(line.slice("ENTRYPOINT ".length)) as string[];
  const script = argv.indexOf("dist/src/cli/main.js");
  if (argv[0] !== "node" || script < 0) throw new Error(`unexpected ENTRYPOINT ${line}`);
  return argv.slice(1, script);
}
