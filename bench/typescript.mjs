#!/usr/bin/env node
// TypeScript 7 (the native compiler the templates use: `typescript@^7`, a node launcher that runs a Go binary)
// against TypeScript 5.9 (from bench/peers) on a generated monorepo: a library (money) and N services
// (packages/hello plus N-1 generated with --uses money, each importing it), one `npm install`.
// Measured per compiler, whole-process wall time summed over packages (one process per package, as turbo runs
// them), median of --runs rounds, compilers interleaved:
//   build      tsc -p packages/<p>/tsconfig.build.json          (library first, dist/ removed before each round)
//   typecheck  tsc -p packages/<p>/tsconfig.json --noEmit
// Also: TypeScript 7's native binary started directly (no node launcher: what Node >= 22.15 gets through
// process.execve), whether 7 and 5.9 emit the same JavaScript and declarations, whether both report the same error
// for a type error, and which installed packages depend on the `typescript` package (its compiler API is gone in 7).
// With NODE_EXTRA_CA_CERTS as is and unset (both launchers are node processes).
//
//   npm ci --prefix bench/peers && npm run build -w create-shipyard
//   node bench/typescript.mjs [services=10] [--runs 3]
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { benchEnv, caVariants, copyRepo, ensureCli, ensurePeers, fail, fmtMs, git, loadText, median, peersDir, printMachine, ratio, shipyardBin, table, timed } from "./lib.mjs";

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: "string", default: "3" }, keep: { type: "boolean", default: false } },
});
const services = Number(positionals[0] ?? 10);
const runs = Number(options.runs);
if (!Number.isInteger(services) || services < 1) fail("the number of services is a whole number >= 1");

ensureCli();
ensurePeers(["typescript/bin/tsc"]);
const machineInfo = printMachine();
const log = (message) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
const scratch = mkdtempSync(join(tmpdir(), "shipyard-bench-ts-"));
if (!options.keep) process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

// --- the monorepo ---------------------------------------------------------------------------------------------
const dir = copyRepo(join(scratch, "repo"));
const scope = JSON.parse(readFileSync(join(dir, ".shipyard/config.json"), "utf8")).scope;
log(`generating money and ${services - 1} services`);
timed(process.execPath, [shipyardBin, "add", "library", "money", "--yes"], { cwd: dir });
const names = ["hello"];
for (let i = 1; i < services; i++) {
  const name = `svc${String(i).padStart(3, "0")}`;
  timed(process.execPath, [shipyardBin, "add", "service", name, "--uses", "money", "--yes"], { cwd: dir });
  const app = join(dir, "packages", name, "src/app.ts");
  const text = readFileSync(app, "utf8");
  writeFileSync(
    app,
    `import { formatCents } from "@${scope}/money";\n${text.replace("  return app;\n}", '  app.get("/price", async () => ({ price: formatCents(1999) }));\n\n  return app;\n}')}`,
  );
  names.push(name);
}
log("npm install");
timed("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: dir });
git(dir, "add", "--all");
git(dir, "commit", "--quiet", "--no-verify", "-m", "monorepo");
const packages = ["money", ...names];

// --- the compilers --------------------------------------------------------------------------------------------
const ts7Version = JSON.parse(readFileSync(join(dir, "node_modules/typescript/package.json"), "utf8")).version;
const ts5Version = JSON.parse(readFileSync(join(peersDir, "node_modules/typescript/package.json"), "utf8")).version;
if (!ts7Version.startsWith("7.")) fail(`the generated monorepo installed typescript ${ts7Version}, not 7`);
const nativeExe = join(dir, `node_modules/@typescript/typescript-${process.platform}-${process.arch}/lib/tsc`);
const compilers = [
  { name: `TypeScript ${ts7Version} (tsc: node launcher + native)`, command: [process.execPath, join(dir, "node_modules/typescript/bin/tsc")] },
  { name: `TypeScript ${ts7Version} (native binary directly)`, command: [nativeExe], native: true },
  { name: `TypeScript ${ts5Version}`, command: [process.execPath, join(peersDir, "node_modules/typescript/bin/tsc")] },
];
if (!existsSync(nativeExe)) fail(`no native TypeScript binary at ${nativeExe}`);

const tsc = (compiler, args, env, okCodes) => timed(compiler.command[0], [...compiler.command.slice(1), ...args], { cwd: dir, env, okCodes });
const cleanDist = () => {
  for (const p of packages) rmSync(join(dir, "packages", p, "dist"), { recursive: true, force: true });
};
const build = (compiler, env) => packages.reduce((sum, p) => sum + tsc(compiler, ["-p", `packages/${p}/tsconfig.build.json`], env).ms, 0);
const typecheck = (compiler, env) => packages.reduce((sum, p) => sum + tsc(compiler, ["-p", `packages/${p}/tsconfig.json`, "--noEmit"], env).ms, 0);

/** Every file under packages/<p>/dist: path -> sha256. */
function distHashes() {
  const hashes = {};
  const walk = (folder) => {
    for (const entry of readdirSync(folder)) {
      const full = join(folder, entry);
      if (statSync(full).isDirectory()) walk(full);
      else hashes[relative(dir, full)] = createHash("sha256").update(readFileSync(full)).digest("hex");
    }
  };
  for (const p of packages) walk(join(dir, "packages", p, "dist"));
  return hashes;
}

// --- measure --------------------------------------------------------------------------------------------------
const variants = caVariants();
const samples = {};
const outputs = {};
for (const variant of variants) {
  const env = benchEnv({ ca: variant.ca });
  for (let r = 0; r < runs; r++) {
    const order = compilers.map((_, i) => compilers[(i + r) % compilers.length]);
    for (const compiler of order) {
      log(`${variant.label}, round ${r + 1}/${runs}: ${compiler.name}`);
      cleanDist();
      const b = build(compiler, env);
      outputs[compiler.name] = distHashes();
      const t = typecheck(compiler, env);
      const key = `${variant.label}|${compiler.name}`;
      samples[key] ??= { build: [], typecheck: [] };
      samples[key].build.push(b);
      samples[key].typecheck.push(t);
    }
  }
}

// Same output? (7 through the launcher and the native binary are the same compiler.)
const [o7, , o5] = compilers.map((c) => outputs[c.name]);
const differing = Object.keys({ ...o7, ...o5 }).filter((path) => o7[path] !== o5[path]);

// Same diagnostics for a type error?
const broken = join(dir, "packages/money/src/index.ts");
const original = readFileSync(broken, "utf8");
writeFileSync(broken, `${original}\nexport const wrong: number = "not a number";\n`);
const diagnostics = compilers
  .filter((c) => !c.native)
  .map((c) => {
    const result = tsc(c, ["-p", "packages/money/tsconfig.json", "--noEmit", "--pretty", "false"], benchEnv(), [0, 1, 2]);
    return { name: c.name, code: result.code, errors: (result.stdout.match(/error TS\d+/g) ?? []).join(", ") };
  });
writeFileSync(broken, original);

// Who depends on the typescript package (its JavaScript compiler API is gone in 7)?
const dependents = [];
const scan = (folder) => {
  for (const entry of existsSync(folder) ? readdirSync(folder) : []) {
    if (entry.startsWith(".")) continue;
    if (entry.startsWith("@")) {
      scan(join(folder, entry));
      continue;
    }
    const manifest = join(folder, entry, "package.json");
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, "utf8"));
    for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
      if (pkg[field]?.typescript) dependents.push(`${pkg.name} (${field}: ${pkg[field].typescript})`);
    }
  }
};
scan(join(dir, "node_modules"));

// --- report ---------------------------------------------------------------------------------------------------
console.log(`\n## TypeScript 7 vs 5.9: ${packages.length} packages (money + ${services} services), one process per package, median of ${runs}\n`);
for (const variant of variants) {
  const base = samples[`${variant.label}|${compilers[2].name}`];
  console.log(`\n### ${variant.label}\n`);
  console.log(
    table(
      ["compiler", "build (sum)", "per package", "typecheck (sum)", "per package", "build: 5.9 / this", "typecheck: 5.9 / this"],
      compilers.map((c) => {
        const s = samples[`${variant.label}|${c.name}`];
        const [b, t] = [median(s.build), median(s.typecheck)];
        return [c.name, fmtMs(b), fmtMs(b / packages.length), fmtMs(t), fmtMs(t / packages.length), ratio(median(base.build), b), ratio(median(base.typecheck), t)];
      }),
    ),
  );
}
const maps = differing.filter((path) => path.endsWith(".map"));
const code = differing.filter((path) => !path.endsWith(".map"));
console.log(
  `\nEmitted files, ${ts7Version} vs ${ts5Version} (${Object.keys(o7).length} files): JavaScript and declarations ${code.length === 0 ? "identical" : `differ in ${code.length}: ${code.slice(0, 10).join(", ")}`}; source maps ${maps.length === 0 ? "identical" : `differ in ${maps.length} of ${Object.keys(o7).filter((path) => path.endsWith(".map")).length}`}`,
);
console.log(`Type error in packages/money: ${diagnostics.map((d) => `${d.name}: exit ${d.code}, ${d.errors || "no error"}`).join("; ")}`);
console.log(`Installed packages that depend on \`typescript\`: ${dependents.length ? dependents.join("; ") : "none"}`);
console.log(`\nmachine: ${machineInfo.nproc} x ${machineInfo.cpu}, ${machineInfo.memory}; load average at the end: ${loadText()}, node ${machineInfo.node}`);
