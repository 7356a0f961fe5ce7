// Runs a command for the image tools and fails with its own words (the tail of its stderr).
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export async function exec(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<string> {
  const { input, ...rest } = options;
  try {
    const running = run(command, args, { ...rest, maxBuffer: 256 * 1024 * 1024 });
    // A command that reads no input may exit before it is written: that is not an error.
    running.child.stdin?.on("error", () => undefined);
    running.child.stdin?.end(input);
    const { stdout } = await running;
    return stdout;
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    const detail = (stderr?.trim() || stdout?.trim() || "").split("\n").slice(-15).join("\n");
    throw new Error(`${command} ${args.join(" ")} failed: ${(error as Error).message.split("\n")[0]}\n${detail}`, { cause: error });
  }
}

/** The cache outside the repository where the image tools keep downloads ($XDG_CACHE_HOME/ferry/image). */
export function imageCacheDir(): string {
  return `${process.env.XDG_CACHE_HOME ?? `${process.env.HOME ?? "/root"}/.cache`}/ferry/image`;
}
