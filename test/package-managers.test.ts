// Every package manager a Shipyard repository can use (npm, pnpm, Yarn Berry, bun), end to end, each installed from
// the npm registry (scripts/setup/package-managers.sh pins pnpm, Yarn and bun; npm is the machine's). For each one,
// in one repository created for it and shared by its steps:
//   create-shipyard --package-manager X --yes  ->  install with X  ->  `add service`, `add library`, `use` through
//   X's own form of running a repository script  ->  lint, typecheck, build, test through turbo  ->  a second run
//   fully cached  ->  the service image built and run with podman (health 200, non-root uid, production
//   dependencies only)  ->  the Clever Cloud build emulated from clever.env (test/support/clever-emulator.ts: the
//   documented contract for pnpm / yarn-berry / bun)  ->  the service workflow's ci job run by the local runner
//   (pnpm/action-setup, oven-sh/setup-bun emulated with the real managers)  ->  `update --check` clean  ->  `doctor`
//   green  ->  doctor's ERRORs for a second lockfile and a packageManager that names another manager.
// And once: an unknown manager name given to create is one clear line, a non-zero exit, nothing written.
// The managers' environment (PATH, CA bundle, CI unset for the user's first installs): test/support/package-managers.ts.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { deployLikeCleverCloud, nodeBinDir } from "./support/clever-emulator.js";
import {
  ensurePackageManagers,
  manager,
  managersBinDir,
  PACKAGE_MANAGERS,
  type PackageManager,
  type PackageManagerName,
  runManager,
} from "./support/package-managers.js";
import {
  buildImage,
  ensureBaseImage,
  imageSize,
  imageTree,
  installedPackages,
  podmanAvailable,
  removeImage,
  rootProblem,
  runContainer,
  waitForHttp,
} from "./support/podman.js";
import { ensureCliBuilt, freePort, gitSync, repoRoot, runCommand, snapshotTree } from "./support/repo.js";
import { turboRun } from "./support/turbo-run.js";
import { runJob } from "./support/workflow-runner.js";

const createBin = join(repoRoot, "generators/dist/cli/create-shipyard.js");
const SERVICE = "orders";
const LIBRARY = "money";
const TASKS = ["lint", "typecheck", "build", "test"] as const;
const nonce = `${process.pid}-${Date.now()}`;
const keepTemp = process.env.SHIPYARD_KEEP_TMP === "1";
/** The Node the services are built and run with (engines 24.x): scripts/setup/service-node.sh. */
const serviceNodeBin = () => nodeBinDir("24");

let work: string;
const images = new Set<string>();

beforeAll(() => {
  ensureCliBuilt();
  ensurePackageManagers();
  if (podmanAvailable()) ensureBaseImage(24);
  work = mkdtempSync(join(tmpdir(), "shipyard-pm-test-"));
});

afterAll(async () => {
  for (const tag of images) await removeImage(tag);
  if (work && !keepTemp) rmSync(work, { recursive: true, force: true });
});

const readJson = <T = Record<string, unknown>>(dir: string, path: string) => JSON.parse(readFileSync(join(dir, path), "utf8")) as T;

/** `shipyard <args>` the way the repository's README and next steps tell a user of this manager to run it. */
function shipyardArgv(pm: PackageManager, args: readonly string[]): string[] {
  switch (pm.name) {
    case "npm":
      return ["npm", "run", "shipyard", "--", ...args];
    case "pnpm":
      return ["pnpm", "run", "shipyard", ...args];
    case "yarn":
      return ["yarn", "shipyard", ...args];
    case "bun":
      return ["bun", "run", "shipyard", ...args];
  }
}

/** The runner machine's PATH: this process's, without node_modules/.bin folders and without the pinned managers
 *  (a workflow must install its own). */
const runnerPath = () =>
  (process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin")
    .split(":")
    .filter((p) => p && p !== managersBinDir && !/node_modules[\\/]\.bin|node-gyp-bin/.test(p))
    .join(":");

/** What a failed command printed, for an assertion message. */
const shown = (r: { stdout: string; stderr: string }) => stripVTControlCharacters(`${r.stdout}\n${r.stderr}`).slice(-6000);

describe.each(PACKAGE_MANAGERS)("%s, end to end", (name: PackageManagerName) => {
  const pm = manager(name);
  let dir = "";
  let scope = "";
  /** Steps that must have passed for a later one to mean anything. */
  const done = new Set<string>();
  const need = (...steps: string[]) => {
    for (const step of steps) expect(done.has(step), `needs the step "${step}", which failed`).toBe(true);
  };
  const run = (argv: readonly string[], options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {}) => runManager(argv, dir, options);
  const commit = (message: string) => {
    gitSync(dir, "add", "--all");
    gitSync(dir, "commit", "--quiet", "--no-verify", "--allow-empty", "-m", message);
  };

  it(`create-shipyard --package-manager ${name}: ${pm.packageManagerField} pinned, recorded, next steps in ${name}'s words`, async () => {
    const parent = mkdtempSync(join(work, `${name}-`));
    dir = join(parent, `platform-${name}`);
    const r = await runCommand(process.execPath, [createBin, dir, "--yes", "--package-manager", name, "--no-install"], parent, { timeoutMs: 120_000 });
    expect(r.code, shown(r)).toBe(0);
    done.add("create"); // the repository exists: the later steps can run, whatever this one still finds
    const root = readJson<{ packageManager?: string; workspaces?: string[] }>(dir, "package.json");
    expect(root.packageManager).toBe(pm.packageManagerField);
    scope = readJson<{ scope: string }>(dir, ".shipyard/config.json").scope;
    const monorepo = readJson<{ answers: { packageManager?: string } }>(dir, ".shipyard/units/_monorepo.json");
    expect(monorepo.answers.packageManager, "the repository's recorded answers name the manager").toBe(name);
    if (name === "pnpm") {
      expect(root.workspaces, "pnpm reads pnpm-workspace.yaml, not package.json workspaces").toBeUndefined();
      expect(parseYaml(readFileSync(join(dir, "pnpm-workspace.yaml"), "utf8"))).toMatchObject({ packages: expect.arrayContaining(["packages/*"]) });
    } else expect(root.workspaces).toEqual(expect.arrayContaining(["packages/*"]));
    if (name === "yarn") expect(parseYaml(readFileSync(join(dir, ".yarnrc.yml"), "utf8"))).toMatchObject({ nodeLinker: "node-modules" });
    const out = stripVTControlCharacters(r.stdout);
    expect(out, "the next steps install with the chosen manager").toContain(pm.install.slice(0, 2).join(" "));
    for (const other of PACKAGE_MANAGERS.filter((o) => o !== name && o !== "npm")) expect(out).not.toMatch(new RegExp(`^\\s*${other} `, "m"));
  });

  it(`installs with ${name}: its lockfile only`, async () => {
    need("create");
    const r = await run(pm.install);
    expect(r.code, shown(r)).toBe(0);
    expect(existsSync(join(dir, pm.lockfile)), pm.lockfile).toBe(true);
    for (const other of pm.otherLockfiles) expect(existsSync(join(dir, other)), `${other} beside ${pm.lockfile}`).toBe(false);
    expect(existsSync(join(dir, "node_modules/.bin/turbo")) || existsSync(join(dir, "node_modules/turbo")), "turbo installed").toBe(true);
    if (name === "yarn") expect(existsSync(join(dir, ".pnp.cjs")), "Plug'n'Play (nodeLinker ignored)").toBe(false);
    commit(`install with ${name}`);
    done.add("install");
  });

  it(`add service, add library and use, run as \`${shipyardArgv(pm, []).join(" ")} …\`; workspace links in ${name}'s form`, async () => {
    need("install");
    for (const args of [
      ["add", "library", LIBRARY, "--yes"],
      ["add", "service", SERVICE, "--yes"],
      ["use", LIBRARY, "--in", SERVICE],
    ]) {
      const r = await run(shipyardArgv(pm, args));
      expect(r.code, `${shipyardArgv(pm, args).join(" ")}\n${shown(r)}`).toBe(0);
    }
    const service = readJson<{ dependencies?: Record<string, string> }>(dir, `packages/${SERVICE}/package.json`);
    expect(service.dependencies?.[`@${scope}/${LIBRARY}`]).toBe(name === "npm" ? "*" : "workspace:*");
    // The service calls the library, so its build, tests and image go through the library's compiled code.
    const appPath = join(dir, `packages/${SERVICE}/src/app.ts`);
    const app = readFileSync(appPath, "utf8");
    const withRoute = app.replace("  return app;\n}", '  app.get("/library", async () => ({ price: formatCents(1999) }));\n\n  return app;\n}');
    expect(withRoute, "the service's app.ts has a `return app;` to add a route before").not.toBe(app);
    writeFileSync(appPath, `import { formatCents } from "@${scope}/${LIBRARY}";\n${withRoute}`);
    const manifests = ["package.json", `packages/${SERVICE}/package.json`, `packages/${LIBRARY}/package.json`];
    const written = manifests.map((path) => readFileSync(join(dir, path), "utf8"));
    const install = await run(pm.install);
    expect(install.code, shown(install)).toBe(0);
    // Generated package.json files are in the form the manager writes: its install rewrites none (Yarn rewrites all).
    expect(manifests.map((path) => readFileSync(join(dir, path), "utf8")), `package.json files after ${pm.install.join(" ")}`).toEqual(written);
    for (const other of pm.otherLockfiles) expect(existsSync(join(dir, other)), `${other} beside ${pm.lockfile}`).toBe(false);
    commit(`${SERVICE} uses ${LIBRARY}`);
    const frozen = await run(pm.frozenInstall);
    expect(frozen.code, `the committed ${pm.lockfile} is in sync: ${pm.frozenInstall.join(" ")}\n${shown(frozen)}`).toBe(0);
    expect(gitSync(dir, "status", "--porcelain"), "a frozen install changes nothing").toBe("");
    done.add("add");
  });

  it(`lint, typecheck, build and test through turbo (\`${pm.run("lint").join(" ")}\` …); the second run is fully cached`, async () => {
    need("add");
    for (const task of TASKS) {
      const r = await run(pm.run(task), { env: { TURBO_TELEMETRY_DISABLED: "1", NO_COLOR: "1" } });
      expect(r.code, `${pm.run(task).join(" ")}\n${shown(r)}`).toBe(0);
    }
    const again = await turboRun(dir, [...TASKS], { env: { PATH: `${managersBinDir}:${process.env.PATH}` } });
    expect(again.code, again.output.slice(-6000)).toBe(0);
    const ids = Object.keys(again.tasks);
    for (const pkg of [SERVICE, LIBRARY]) for (const task of TASKS) expect(ids).toContain(`@${scope}/${pkg}#${task}`);
    for (const task of Object.values(again.tasks)) expect(task.cache.status, `${task.taskId} replayed`).toBe("HIT");
    expect(again.output).toContain("FULL TURBO");
    done.add("turbo");
  });

  it.skipIf(!podmanAvailable())("the service image: built with podman, /health 200, non-root, production dependencies only", async () => {
    need("add");
    const tag = `localhost/shipyard-pm-test-${name}:${nonce}`;
    images.add(tag);
    const build = await buildImage({ context: dir, dockerfile: `packages/${SERVICE}/Dockerfile`, tag, check: false });
    expect(build.code, build.output.slice(-8000)).toBe(0);
    console.log(`${name}: image built in ${build.seconds.toFixed(1)} s, ${((await imageSize(tag)) / 1e6).toFixed(0)} MB`);
    expect(await rootProblem(tag)).toBeUndefined();
    const hostPort = await freePort();
    const container = await runContainer({ image: tag, hostPort });
    try {
      const health = await waitForHttp(`http://127.0.0.1:${hostPort}/health`, 20_000);
      expect(health.status, await container.logs()).toBe(200);
      const library = await fetch(`http://127.0.0.1:${hostPort}/library`);
      expect(await library.json(), "the workspace library, in the image").toEqual({ price: "19.99" });
      expect((await container.exec(["id", "-u"])).trim()).not.toBe("0");
    } finally {
      const { exitCode } = await container.stop(2);
      expect(exitCode, "stops on SIGTERM with exit 0").toBe(0);
    }
    const tree = imageTree(tag);
    expect(tree).toContain(`packages/${SERVICE}/dist/server.js`);
    expect(tree).toContain(`packages/${LIBRARY}/dist/index.js`);
    const installed = installedPackages(tree);
    expect(installed.has("fastify"), "fastify installed").toBe(true);
    const dev = [...devOnlyDependencies(dir)].filter((dep) => installed.has(dep));
    expect(dev, "dev dependencies in the image").toEqual([]);
    for (const lockfile of pm.otherLockfiles) expect(tree, lockfile).not.toContain(lockfile);
    // The manager builds the image; the runtime stage never holds it (nothing there may install or run scripts).
    const tools = imageTree(tag, "/usr/local").filter((path) => /^(bin\/(pnpm|pnpx|bun|bunx)$|lib\/node_modules\/(pnpm|bun|@yarnpkg)\/$)/.test(path));
    expect(tools, "package managers in the runtime image").toEqual([]);
    expect(tree.filter((p) => !p.includes("node_modules/") && /\.[cm]?ts$/.test(p) && !/\.d\.[cm]?ts$/.test(p)), "TypeScript sources").toEqual([]);
  });

  it(`the Clever Cloud build emulated from packages/${SERVICE}/clever.env installs with ${name}`, async () => {
    need("add");
    const deployment = await deployLikeCleverCloud({ repository: dir, config: `packages/${SERVICE}/clever.env` });
    try {
      expect(deployment.health.length).toBeGreaterThan(0);
      for (const check of deployment.health) expect(check, `${check.path} via ${check.via}`).toMatchObject({ status: 200 });
      const install = deployment.steps.find((step) => step.name === "install");
      expect(install?.command, "the install Clever Cloud runs").toMatch(new RegExp(`^${name} `));
      console.log(`${name}: Clever Cloud emulation: ${deployment.steps.map((s) => `${s.name} ${s.ms} ms`).join(", ")}`);
    } finally {
      await deployment.stop();
    }
  });

  it(`the ${SERVICE} workflow's ci job, run by the local runner, sets up ${name} itself and passes`, async () => {
    need("add");
    const workflowFile = join(dir, `.github/workflows/${SERVICE}.yml`);
    const workflow = parseYaml(readFileSync(workflowFile, "utf8")) as { jobs: Record<string, { steps: Array<{ uses?: string; with?: Record<string, unknown>; run?: string }> }> };
    const steps = workflow.jobs.ci?.steps ?? [];
    const setupNode = steps.find((step) => step.uses?.startsWith("actions/setup-node@"));
    const nodeVersion = String(setupNode?.with?.["node-version"] ?? "");
    expect(nodeVersion, "setup-node pins the services' Node").toMatch(/^\d+/);
    const workspace = join(work, `${name}-ci-checkout`);
    gitSync(work, "clone", "--quiet", "--branch", "main", "--no-local", "--depth", "1", `file://${dir}`, workspace);
    const result = await runJob({
      workflowFile: join(workspace, `.github/workflows/${SERVICE}.yml`),
      job: "ci",
      cwd: workspace,
      event: { name: "push", ref: "refs/heads/main" },
      env: { PATH: runnerPath() },
      pathPrepend: [nodeBinDir(nodeVersion)],
    });
    const described = result.steps.map((s) => `${s.status} ${s.name}\n${stripVTControlCharacters(`${s.stdout ?? ""}${s.stderr ?? ""}`).slice(-3000)}`).join("\n");
    expect(result.status, described).toBe("success");
    const install = result.steps.find((step) => step.name === "Install dependencies");
    expect(install?.run?.trim()).toBe(pm.frozenInstall.slice(0, name === "npm" ? 2 : undefined).join(" "));
    const turbo = stripVTControlCharacters(result.steps.at(-1)?.stdout ?? "");
    for (const task of TASKS) expect(turbo).toContain(`@${scope}/${SERVICE}:${task}`);
  });

  it("update --check finds nothing to do; doctor is green (Node 24 first, as the services run)", async () => {
    need("add");
    const env = { PATH: `${serviceNodeBin()}:${managersBinDir}:${process.env.PATH}` };
    const check = await run(shipyardArgv(pm, ["update", "--check"]), { env });
    expect(check.code, shown(check)).toBe(0);
    expect(check.stdout, "nothing the installs or builds wrote counts as the user's edit").not.toContain("customized");
    const doctor = await run(shipyardArgv(pm, ["doctor"]), { env });
    expect(doctor.code, shown(doctor)).toBe(0);
    expect(stripVTControlCharacters(doctor.stdout)).not.toMatch(/\bERROR\b/);
    done.add("doctor");
  });

  it(`doctor: a second lockfile, and a packageManager naming another manager, are ERRORs with the fix`, async () => {
    need("doctor");
    const env = { PATH: `${serviceNodeBin()}:${managersBinDir}:${process.env.PATH}` };
    const second = pm.otherLockfiles[0] as string;
    writeFileSync(join(dir, second), name === "npm" ? "lockfileVersion: '9.0'\n" : '{"lockfileVersion": 3, "packages": {}}\n');
    try {
      const r = await run(shipyardArgv(pm, ["doctor"]), { env });
      expect(r.code, shown(r)).not.toBe(0);
      expect(shown(r)).toContain(second);
    } finally {
      rmSync(join(dir, second));
    }
    const pkgPath = join(dir, "package.json");
    const original = readFileSync(pkgPath, "utf8");
    const other = manager(name === "pnpm" ? "yarn" : "pnpm");
    writeFileSync(pkgPath, original.replace(pm.packageManagerField, other.packageManagerField));
    try {
      // Run directly: the other manager itself may refuse to run in a repository that names another one.
      const r = await runCommand(process.execPath, [join(dir, "generators/dist/cli/shipyard.js"), "doctor"], dir, { env });
      expect(r.code, shown(r)).not.toBe(0);
      expect(shown(r)).toContain(other.packageManagerField);
    } finally {
      writeFileSync(pkgPath, original);
    }
  });
});

describe("bad input to create", () => {
  it("an unknown manager name: one clear line, non-zero exit, nothing written", async () => {
    const parent = mkdtempSync(join(work, "unknown-"));
    const before = snapshotTree(parent);
    const r = await runCommand(process.execPath, [createBin, "platform", "--yes", "--package-manager", "cargo", "--no-install"], parent);
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    const lines = r.stderr.trim().split("\n");
    expect(lines[0]).toMatch(/cargo/);
    expect(lines.length, r.stderr).toBeLessThanOrEqual(2); // the error, and a hint
    expect(r.stderr, "names the managers it knows").toMatch(/npm.*pnpm.*yarn.*bun/s);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(snapshotTree(parent)).toEqual(before);
    expect(readdirSync(parent)).toEqual([]);
  });
});

/** Dev dependencies of the repository's manifests that no manifest also needs in production. */
function devOnlyDependencies(dir: string): Set<string> {
  const manifests = ["package.json", ...readdirSync(join(dir, "packages")).map((p) => `packages/${p}/package.json`)];
  const dev = new Set<string>();
  const prod = new Set<string>();
  for (const manifest of manifests) {
    const pkg = readJson<{ dependencies?: Record<string, string>; devDependencies?: Record<string, string> }>(dir, manifest);
    for (const dep of Object.keys(pkg.devDependencies ?? {})) dev.add(dep);
    for (const dep of Object.keys(pkg.dependencies ?? {})) prod.add(dep);
  }
  return new Set([...dev].filter((dep) => !prod.has(dep)));
}
