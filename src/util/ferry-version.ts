// Ferry's version: package.json's, found by walking up from this file, so it is the same from
// src/ (tsx), dist/ (the built CLI) and the image (/app/package.json next to /app/dist).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

export function ferryVersion(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate)) {
      const packageJson = JSON.parse(readFileSync(candidate, "utf8")) as { name?: string; version?: string };
      if (packageJson.name === "ferry" && packageJson.version) return (cached = packageJson.version);
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find Ferry's package.json above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}
