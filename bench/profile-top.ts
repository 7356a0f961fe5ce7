// `npx tsx bench/profile-top.ts FILE.cpuprofile [--top N]`: where the time went in a CPU profile
// (`node --cpu-prof`, or one the bench saved with --profile): self time per module and function.
import { readFileSync } from "node:fs";
import { summarize, type CpuProfile } from "./measure/cpu-profile.js";

const [file, flag, value] = process.argv.slice(2);
if (!file) throw new Error("usage: profile-top.ts FILE.cpuprofile [--top N]");
const summary = summarize(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, flag === "--top" ? Number(value) : 15);
console.log(`busy ${summary.busyMs} ms, idle ${summary.idleMs} ms\n\nby module:`);
for (const m of summary.modules) console.log(`  ${String(m.ms).padStart(9)} ms  ${m.name}`);
console.log("\nFerry's functions, inclusive (with what they call):");
for (const f of summary.inclusive) console.log(`  ${String(f.ms).padStart(9)} ms  ${f.name}`);
console.log("\nby function (self time):");
for (const f of summary.functions) console.log(`  ${String(f.ms).padStart(9)} ms  ${f.name}`);
