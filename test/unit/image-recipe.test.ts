// The Dockerfile (for people with Docker) builds the image `npm run image` builds: the same Node.js
// from the same npm package, the libraries chosen by the same script, the same /etc files and
// paths, user, working directory, environment, entrypoint, command, port and labels, all as
// tools/image/image-spec.ts declares them. No Docker engine runs here, so it is compared as text;
// test/e2e/image.test.ts runs the image the recipe builds.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { repositoryRoot } from "../../tools/helm/chart.js";
import { productionInstall } from "../../tools/image/app-files.js";
import { readDebianLock } from "../../tools/image/debian-libraries.js";
import { appDir, imagePaths, imageSpec, imageUser, nodeVersion } from "../../tools/image/image-spec.js";
import { nodePackage } from "../../tools/image/node-runtime.js";

interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's stages: continuation lines joined, comments dropped. */
function stages(text: string): { preamble: Instruction[]; stages: Array<{ from: string; instructions: Instruction[] }> } {
  const logical = text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const result: ReturnType<typeof stages> = { preamble: [], stages: [] };
  for (const line of logical) {
    const [keyword, ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword!.toUpperCase(), args: rest.join(" ") };
    if (instruction.keyword === "FROM") result.stages.push({ from: instruction.args, instructions: [] });
    else if (result.stages.length === 0) result.preamble.push(instruction);
    else result.stages.at(-1)!.instructions.push(instruction);
  }
  return result;
}

/** KEY=VALUE pairs of an ENV or LABEL instruction (values optionally double-quoted). */
function pairs(args: string): Record<string, string> {
  return Object.fromEntries([...args.matchAll(/([\w.-]+)=("([^"]*)"|\S+)/g)].map((m) => [m[1]!, m[3] ?? m[2]!]));
}

const dockerfile = stages(readFileSync(join(repositoryRoot, "Dockerfile"), "utf8"));
const [build, runtime] = dockerfile.stages;
const spec = imageSpec();
const all = (stage: { instructions: Instruction[] } | undefined, keyword: string) => (stage?.instructions ?? []).filter((i) => i.keyword === keyword);
const last = (stage: { instructions: Instruction[] } | undefined, keyword: string) => all(stage, keyword).at(-1)?.args;
const argDefault = (instructions: Instruction[], name: string) => instructions.find((i) => i.keyword === "ARG" && i.args.startsWith(`${name}=`))?.args.slice(name.length + 1);

test("two stages: a Debian build stage of .node-version's Node.js, and a runtime stage from scratch", () => {
  assert.equal(dockerfile.stages.length, 2);
  assert.equal(argDefault(dockerfile.preamble, "NODE_VERSION"), nodeVersion(), "the Dockerfile's Node.js is .node-version's");
  assert.equal(build?.from, `node:\${NODE_VERSION}-${readDebianLock().suite}-slim AS build`, "the Debian release the recipe's libraries come from");
  assert.equal(runtime?.from, "scratch", "nothing in the image but what is copied in");
});

test("the build stage makes what the recipe makes, with the recipe's own files and script", () => {
  const run = all(build, "RUN")
    .map((i) => i.args)
    .join("\n");
  assert.ok(all(build, "COPY").some((i) => i.args === "tools/image ./tools/image"), "the recipe's files are in the build context");
  assert.match(run, /npx tsc -p tools\/image\/tsconfig\.json --outDir \/out\/app\/dist/, "the image's tsconfig (src/ only, no source maps)");
  assert.ok(run.includes(`npm ${productionInstall[0]} --prefix /out/deps ${productionInstall.slice(1).join(" ")}`), `the production install: npm ${productionInstall.join(" ")}`);
  assert.ok(run.includes(`npm pack --pack-destination /out/node "${nodePackage}@\${NODE_VERSION}"`), `Node.js from the npm package ${nodePackage}`);
  assert.match(run, /cp -r tools\/image\/rootfs \/out\/base/, "the /etc files of tools/image/rootfs");
  assert.match(run, /bash tools\/image\/copy-libraries\.sh \/ \/out\/node\/package\/bin\/node \/out\/base/, "the libraries the loader resolves for node, by the recipe's script");
  assert.match(run, /require\('\.\/tools\/image\/debian-packages\.json'\)/, "the copyright files of the recipe's Debian packages");
  assert.match(run, /chmod 1777 \/out\/base\/tmp/);
  assert.ok(run.includes(`chown ${imageUser.uid}:${imageUser.gid} /out/base${imageUser.home}`), "the user's home belongs to the user");
  const etc = readdirSync(join(repositoryRoot, "tools", "image", "rootfs", "etc")).map((file) => `/etc/${file}`);
  assert.deepEqual(
    etc.sort(),
    imagePaths.base.filter((path) => path.startsWith("/etc/")),
    "tools/image/rootfs holds exactly the /etc files image-spec.ts lists",
  );
});

test("the runtime stage copies exactly the recipe's paths and is configured as the recipe's image", () => {
  const copied = all(runtime, "COPY").map((i) => i.args.split(/\s+/).at(-1));
  assert.deepEqual(copied.sort(), ["/", ...imagePaths.node, ...imagePaths.dependencies, ...imagePaths.app].sort(), "the base tree, node, the dependencies and the app");
  assert.ok(all(runtime, "COPY").some((i) => i.args === "--from=build /out/base/ /"));
  assert.equal(last(runtime, "USER"), spec.config.user);
  assert.equal(last(runtime, "WORKDIR"), spec.config.workingDir);
  assert.equal(spec.config.workingDir, appDir);
  assert.deepEqual(JSON.parse(last(runtime, "ENTRYPOINT") ?? "null"), spec.config.entrypoint);
  assert.deepEqual(JSON.parse(last(runtime, "CMD") ?? "null"), spec.config.cmd);
  assert.equal(`${last(runtime, "EXPOSE")}/tcp`, spec.config.exposedPort);
  const env = Object.entries(pairs(all(runtime, "ENV").map((i) => i.args).join(" "))).map(([key, value]) => `${key}=${value}`);
  assert.deepEqual(env, spec.config.env);
  const version = argDefault(runtime?.instructions ?? [], "VERSION");
  const labels = Object.fromEntries(Object.entries(pairs(all(runtime, "LABEL").map((i) => i.args).join(" "))).map(([key, value]) => [key, value.replace("${VERSION}", version ?? "")]));
  assert.deepEqual(labels, spec.config.labels);
});
