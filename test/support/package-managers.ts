// The four package managers a Shipyard repository may use, as end-to-end tests run them: npm (the machine's), and
// pnpm, Yarn Berry and bun at the versions pinned in scripts/tools/package-managers/package.json, installed from
// the npm registry by scripts/setup/package-managers.sh (nothing global: their bins are put first on PATH here).
//
//   ensurePackageManagers();                                   // installs them when the set-up has not (stamped)
//   const pm = manager("pnpm");
//   await runManager(pm, ["install"], repoDir);                // `pnpm install`, with the env below
//   await runManager(pm, pm.exec("shipyard", ["add", "service", "orders", "--yes"]), repoDir);
//
// The commands below are written out here, not read from templates/package-managers.json: the tests check the
// generated repositories against how each manager is really run, so a wrong entry in that table fails them.
//
// What the environment carries, and why (each found on this machine; see shared/reference/environment.md):
// - PATH: the pinned bins first, so `pnpm`, `yarn`, `bun`, `bunx` are those (and a corepack shim or a global yarn 1
//   never is).
// - NODE_EXTRA_CA_CERTS (inherited): outbound TLS is re-signed by a proxy. pnpm and bun also trust the system
//   bundle; Yarn Berry fails the TLS handshake without NODE_EXTRA_CA_CERTS.
// - CI is removed unless asked for: pnpm and yarn turn on frozen/immutable installs when they see CI=true (as
//   `.ci/run` sets), and a test's first install after `shipyard add` must be allowed to update the lockfile, as a
//   user's is. Frozen installs are asked for explicitly (`frozenInstall`).
// - telemetry and update notices off (no outbound calls besides the registry).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type CommandOptions, type CommandResult, repoRoot, runCommand } from "./repo.js";

export type PackageManagerName = "npm" | "pnpm" | "yarn" | "bun";
export const PACKAGE_MANAGERS: readonly PackageManagerName[] = ["npm", "pnpm", "yarn", "bun"];

/** scripts/tools/package-managers: its package.json pins the versions, its node_modules/.bin holds the bins. */
export const toolsDir = join(repoRoot, "scripts/tools/package-managers");
export const managersBinDir = join(toolsDir, "node_modules/.bin");

const toolPackage: Record<Exclude<PackageManagerName, "npm">, string> = { pnpm: "pnpm", yarn: "@yarnpkg/cli-dist", bun: "bun" };

export interface PackageManager {
  name: PackageManagerName;
  /** The pinned version (npm: the machine's). */
  version: string;
  /** `packageManager` as a repository pins it: `pnpm@10.34.9`. */
  packageManagerField: string;
  /** The lockfile it writes at the repository root. */
  lockfile: string;
  /** Lockfiles of the other managers (a second one is what doctor must flag). */
  otherLockfiles: string[];
  /** argv of an install that may update the lockfile (a user after `shipyard add`). */
  install: string[];
  /** argv of a frozen install (CI, images): fails when the lockfile does not match the manifests. */
  frozenInstall: string[];
  /** argv running a bin of the repository's dependencies: `pnpm exec shipyard …`, `npm exec -- shipyard …`. */
  exec(bin: string, args: readonly string[]): string[];
  /** argv running a root package.json script: `pnpm run lint`. */
  run(script: string, args?: readonly string[]): string[];
}

const LOCKFILES: Record<PackageManagerName, string> = { npm: "package-lock.json", pnpm: "pnpm-lock.yaml", yarn: "yarn.lock", bun: "bun.lock" };

function pinned(name: Exclude<PackageManagerName, "npm">): string {
  const pkg = JSON.parse(readFileSync(join(toolsDir, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  const version = pkg.dependencies[toolPackage[name]];
  if (!version) throw new Error(`scripts/tools/package-managers/package.json pins no ${toolPackage[name]}`);
  return version;
}

let npmVersion: string | undefined;
function machineNpm(): string {
  npmVersion ??= execFileSync("npm", ["--version"], { encoding: "utf8", cwd: toolsDir }).trim();
  return npmVersion;
}

/** The manager's commands and files. */
export function manager(name: PackageManagerName): PackageManager {
  const version = name === "npm" ? machineNpm() : pinned(name);
  const base = {
    name,
    version,
    packageManagerField: `${name}@${version}`,
    lockfile: LOCKFILES[name],
    otherLockfiles: PACKAGE_MANAGERS.filter((other) => other !== name).map((other) => LOCKFILES[other]),
  };
  switch (name) {
    case "npm":
      return {
        ...base,
        install: ["npm", "install", "--no-audit", "--no-fund"],
        frozenInstall: ["npm", "ci", "--no-audit", "--no-fund"],
        exec: (bin, args) => ["npm", "exec", "--", bin, ...args],
        run: (script, args = []) => ["npm", "run", script, ...(args.length ? ["--", ...args] : [])],
      };
    case "pnpm":
      return {
        ...base,
        install: ["pnpm", "install", "--no-frozen-lockfile"],
        frozenInstall: ["pnpm", "install", "--frozen-lockfile"],
        exec: (bin, args) => ["pnpm", "exec", bin, ...args],
        run: (script, args = []) => ["pnpm", "run", script, ...args],
      };
    case "yarn":
      return {
        ...base,
        install: ["yarn", "install", "--no-immutable"],
        frozenInstall: ["yarn", "install", "--immutable"],
        exec: (bin, args) => ["yarn", "exec", bin, ...args],
        run: (script, args = []) => ["yarn", "run", script, ...args],
      };
    case "bun":
      return {
        ...base,
        install: ["bun", "install"],
        frozenInstall: ["bun", "install", "--frozen-lockfile"],
        exec: (bin, args) => ["bun", "x", bin, ...args],
        run: (script, args = []) => ["bun", "run", script, ...args],
      };
  }
}

/** True when scripts/setup/package-managers.sh has installed the pinned bins. Cheap: meant for skipIf. */
export function packageManagersInstalled(): boolean {
  return ["pnpm", "yarn", "bun"].every((bin) => existsSync(join(managersBinDir, bin)));
}

/** Runs scripts/setup/package-managers.sh (a few ms when already installed; ~20 s the first time). */
export function ensurePackageManagers(): void {
  const script = join(repoRoot, "scripts/setup/package-managers.sh");
  const r = spawnSync("bash", [script], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status})\n${r.stdout}${r.stderr}`);
}

/** The environment a manager runs in (see the top of this file); `extra` wins. */
export function managerEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    PATH: `${managersBinDir}:${process.env.PATH ?? ""}`,
    CI: undefined,
    COREPACK_ENABLE_STRICT: "0",
    YARN_ENABLE_TELEMETRY: "0",
    YARN_ENABLE_GLOBAL_CACHE: undefined,
    YARN_ENABLE_PROGRESS_BARS: "0",
    npm_config_update_notifier: "false",
    ...extra,
  };
}

/**
 * Environment that points the manager's download cache at `dir` (created), for cold-cache measurements or a test
 * that must not share the machine's cache: npm's cache, pnpm's store, Yarn's global cache, bun's install cache.
 */
export function cacheEnv(name: PackageManagerName, dir: string): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  switch (name) {
    case "npm":
      return { npm_config_cache: dir };
    case "pnpm":
      return { npm_config_store_dir: join(dir, "store"), npm_config_cache_dir: join(dir, "cache") };
    case "yarn":
      return { YARN_GLOBAL_FOLDER: dir, YARN_ENABLE_GLOBAL_CACHE: "true" };
    case "bun":
      return { BUN_INSTALL_CACHE_DIR: dir };
  }
}

/** Runs argv (`[command, ...args]`) in `cwd` with managerEnv; never rejects on a non-zero exit. */
export function runManager(argv: readonly string[], cwd: string, options: CommandOptions = {}): Promise<CommandResult> {
  const [command, ...args] = argv;
  if (!command) throw new Error("runManager: empty argv");
  return runCommand(command, args, cwd, { timeoutMs: 600_000, ...options, env: managerEnv(options.env) });
}
