// A throw-away local npm registry (verdaccio) for end-to-end tests of `npm create shipyard@latest`.
//
//   const registry = await startRegistry();
//   await publish("generators", registry);                       // a folder or a .tgz
//   await run("npm", ["create", "--yes", "shipyard@latest", dir], { env: registry.env });
//   await registry.stop();
//
// Packages not published locally are proxied to the registry the user's npm config points at (normally
// registry.npmjs.org), so a generated project can `npm install` through it. Names matching `localOnly` are never
// proxied: their versions and dist-tags come only from what the test published.
//
// Only Node builtins. Verdaccio itself lives in scripts/tools/verdaccio (installed by scripts/setup/tools.sh, which
// is run here and is a no-op when up to date).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./repo.ts";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

// ---------------------------------------------------------------------------------------------------------------
// Generic helpers (also used by turbo-cache.ts)
// ---------------------------------------------------------------------------------------------------------------

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Reject unless the exit code is 0 (default true). */
  check?: boolean;
}

/**
 * Runs a command to completion (async, no shell), capturing output. Rejects on timeout and, by default, on exit != 0.
 * The command gets its own process group, killed whole on timeout or when the test process exits, so grandchildren
 * (npm -> sh -> node) do not linger.
 */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const { cwd, env = process.env, timeoutMs = 120_000, check = true } = options;
  const started = performance.now();
  installExitHook();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    runningGroups.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeoutMs);
    const describe = (why: string) => `${command} ${args.join(" ")} ${why}\n--- stdout\n${tail(stdout)}\n--- stderr\n${tail(stderr)}`;
    child.once("error", (error) => {
      clearTimeout(timer);
      runningGroups.delete(child);
      reject(new Error(describe(`failed to start: ${error.message}`)));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      runningGroups.delete(child);
      if (timedOut) killGroup(child); // leftovers that kept no pipe open
      const result: RunResult = { code, signal, stdout, stderr, ms: Math.round(performance.now() - started) };
      if (timedOut) reject(Object.assign(new Error(describe(`timed out after ${timeoutMs} ms`)), { result }));
      else if (check && code !== 0) reject(Object.assign(new Error(describe(`exited with ${code ?? signal}`)), { result }));
      else resolvePromise(result);
    });
  });
}

const runningGroups = new Set<ChildProcess>();

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Installs (if needed) the tool folders under scripts/tools via scripts/setup/tools.sh; a few ms when up to date. */
export async function ensureTools(...names: string[]): Promise<void> {
  await run("bash", [join(repoRoot, "scripts/setup/tools.sh"), ...names], { timeoutMs: 300_000 });
}

/** A port that was free a moment ago on 127.0.0.1 (callers retry on EADDRINUSE). */

/**
 * A copy of `base` without the npm_* variables an outer `npm run`/`npx` injects (npx sets npm_config_yes=true,
 * npm_config_cache and npm_config_userconfig, which would override the npmrc a test hands to npm), plus `extra`.
 */
export function cleanNpmEnv(extra: Record<string, string> = {}, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) {
    if (!/^npm_/i.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

/** NO_PROXY with loopback added, so a proxy configured through the environment is never used for 127.0.0.1. */
export function loopbackNoProxy(base: NodeJS.ProcessEnv = process.env): string {
  const current = (base.NO_PROXY ?? base.no_proxy ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  return [...new Set([...current, "127.0.0.1", "localhost", "::1"])].join(",");
}

function tail(text: string, max = 4000): string {
  return text.length > max ? `…${text.slice(-max)}` : text;
}

// Loaded into every service process with --import: the service exits when the test process goes away, even if that
// one is SIGKILLed (its end of the stdin pipe closes) or it is reparented (ppid changes).
const WATCHDOG = `
const parent = process.ppid;
const bye = () => process.exit(0);
process.stdin.on("end", bye);
process.stdin.on("error", bye);
process.stdin.resume();
setInterval(() => { if (process.ppid !== parent) bye(); }, 500).unref();
`;
const WATCHDOG_IMPORT = `data:text/javascript,${encodeURIComponent(WATCHDOG)}`;

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous last resort for a test process that exits without calling stop().
  process.once("exit", () => {
    for (const child of liveChildren) child.kill("SIGKILL");
    for (const child of runningGroups) killGroup(child);
  });
}

export interface ServiceHandle {
  port: number;
  child: ChildProcess;
  /** Milliseconds from spawn to the first successful ready() probe. */
  startMs: number;
  /** Everything the service printed so far (stdout and stderr interleaved, last 256 KiB). */
  logs(): string;
  stop(): Promise<void>;
}

export interface ServiceSpec {
  name: string;
  /** A Node script (run with the current node binary and the watchdog preloaded). */
  script: string;
  args(port: number): string[];
  env(port: number): NodeJS.ProcessEnv;
  cwd?: string;
  /** Resolves true once the service answers; polled every 100 ms. */
  ready(port: number): Promise<boolean>;
  startTimeoutMs?: number;
  attempts?: number;
}

/** Starts a long-running Node service on a free loopback port, retrying with another port on EADDRINUSE. */
export async function startService(spec: ServiceSpec): Promise<ServiceHandle> {
  const attempts = spec.attempts ?? 3;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = await freePort();
    try {
      return await startOnce(spec, port);
    } catch (error) {
      lastError = error;
      if (!(error instanceof Error && /EADDRINUSE/.test(error.message))) throw error;
    }
  }
  throw lastError;
}

async function startOnce(spec: ServiceSpec, port: number): Promise<ServiceHandle> {
  installExitHook();
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, ["--import", WATCHDOG_IMPORT, spec.script, ...spec.args(port)], {
    cwd: spec.cwd,
    env: spec.env(port),
    stdio: ["pipe", "pipe", "pipe"],
  });
  liveChildren.add(child);
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    if (output.length > 256 * 1024) output = output.slice(-128 * 1024);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  child.stdin?.on("error", () => {}); // EPIPE once the child is gone
  const exited = new Promise<void>((resolveExit) => {
    if (child.exitCode !== null || child.signalCode !== null) resolveExit();
    child.once("exit", () => resolveExit());
    child.once("error", () => resolveExit());
  });
  exited.then(() => liveChildren.delete(child));
  let spawnError: Error | undefined;
  child.once("error", (error) => (spawnError = error));

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
        await exited;
        clearTimeout(timer);
      }
      child.stdin?.destroy();
      liveChildren.delete(child);
    })();
    return stopping;
  };

  const timeoutMs = spec.startTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  exited.then(() => (gone = true));
  while (true) {
    if (gone || spawnError) {
      await stop();
      throw new Error(
        `${spec.name} exited before it answered (code ${child.exitCode}, signal ${child.signalCode})${spawnError ? `: ${spawnError.message}` : ""}\n${tail(output)}`,
      );
    }
    if (await spec.ready(port).catch(() => false)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${spec.name} did not answer on 127.0.0.1:${port} within ${timeoutMs} ms\n${tail(output)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, child, startMs: Math.round(performance.now() - spawnedAt), logs: () => output, stop };
}

/** fetch with a per-request timeout. */
export async function fetchWithTimeout(url: string, init: RequestInit = {}, timeoutMs = 2_000): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
}

// ---------------------------------------------------------------------------------------------------------------
// The registry
// ---------------------------------------------------------------------------------------------------------------

export interface RegistryOptions {
  /** Package name patterns (verdaccio syntax) served only from what the tests publish, never from the uplink. */
  localOnly?: string[];
  /** Who may install the localOnly packages: everyone (default) or, like a company registry, token holders only. */
  localAccess?: "$all" | "$authenticated";
  /** Upstream registry for everything else; default: `npm config get registry` (the user's npm config). */
  uplink?: string;
  /** Keep the temp dir (storage, config, logs) after stop(); also SHIPYARD_KEEP_TMP=1. */
  keep?: boolean;
  username?: string;
  /** Give npm an empty cache in the temp dir instead of the user's (slower: every tarball is fetched again). */
  isolatedCache?: boolean;
}

export interface Registry {
  /** e.g. http://127.0.0.1:40123/ (trailing slash, as npm writes registry URLs). */
  url: string;
  token: string;
  /** npmrc: the user's settings (yes=false…) plus registry=, the auth token and noproxy for loopback. */
  npmrcPath: string;
  /** Environment for npm commands against this registry: cleanNpmEnv() + npm_config_userconfig=npmrcPath. */
  env: NodeJS.ProcessEnv;
  /** Temp dir holding config.yaml, storage/, htpasswd, npmrc (and npm-cache/ with isolatedCache). */
  dir: string;
  storageDir: string;
  /** Milliseconds from spawn to first answer (for reports). */
  startMs: number;
  logs(): string;
  stop(): Promise<void>;
}

export const DEFAULT_LOCAL_ONLY = ["create-shipyard", "@shipyard/*", "create-demo-*"];

const VERDACCIO_DIR = join(repoRoot, "scripts/tools/verdaccio");
const VERDACCIO_BIN = join(VERDACCIO_DIR, "node_modules/verdaccio/bin/verdaccio");

export async function startRegistry(options: RegistryOptions = {}): Promise<Registry> {
  await ensureTools("verdaccio");
  const keep = options.keep ?? process.env.SHIPYARD_KEEP_TMP === "1";
  const dir = await mkdtemp(join(tmpdir(), "shipyard-registry-"));
  const storageDir = join(dir, "storage");
  const configPath = join(dir, "config.yaml");
  const npmrcPath = join(dir, "npmrc");
  const htpasswd = join(dir, "htpasswd");
  const username = options.username ?? "shipyard-test";
  let service: ServiceHandle | undefined;
  try {
    const user = await userNpmConfig();
    const uplink = options.uplink ?? user.registry;
    const localOnly = options.localOnly ?? DEFAULT_LOCAL_ONLY;
    const yaml = (s: string) => JSON.stringify(s); // JSON strings are valid YAML scalars
    const packageRule = (pattern: string, proxied: boolean) =>
      [
        `  ${yaml(pattern)}:`,
        `    access: ${proxied ? "$all" : (options.localAccess ?? "$all")}`,
        "    publish: $authenticated",
        "    unpublish: $authenticated",
        ...(proxied ? ["    proxy: upstream"] : []),
      ].join("\n");
    const proxyLines = [
      // Verdaccio also reads http_proxy/https_proxy/no_proxy from its environment; npm's own proxy settings are not.
      user.httpsProxy ? `https_proxy: ${yaml(user.httpsProxy)}` : "",
      user.proxy ? `http_proxy: ${yaml(user.proxy)}` : "",
    ].filter(Boolean);

    await writeFile(
      configPath,
      [
        `storage: ${yaml(storageDir)}`,
        "auth:",
        "  htpasswd:",
        `    file: ${yaml(htpasswd)}`,
        "    max_users: 100",
        "uplinks:",
        "  upstream:",
        `    url: ${yaml(uplink)}`,
        "    timeout: 60s",
        "    max_fails: 10",
        "    fail_timeout: 10s",
        "    cache: true",
        ...proxyLines,
        "packages:",
        ...localOnly.map((p) => packageRule(p, false)),
        packageRule("@*/*", true),
        packageRule("**", true),
        "web:",
        "  enable: false",
        "publish:",
        "  allow_offline: true",
        "max_body_size: 200mb",
        "server:",
        "  keepAliveTimeout: 60",
        "log: { type: stdout, format: json, level: warn }",
        "",
      ].join("\n"),
    );
    let token = "";
    // Up to 3 tries: the free port may be taken between freePort() and listen; startService retries when verdaccio
    // exits with EADDRINUSE, and the htpasswd check below catches the case where another server on that port
    // answered the probes instead of ours.
    for (let attempt = 1; !token; attempt++) {
      service = await startService({
        name: "verdaccio",
        script: VERDACCIO_BIN,
        cwd: dir,
        args: (port) => ["--config", configPath, "--listen", `127.0.0.1:${port}`],
        env: () => {
          const env = cleanNpmEnv({ NO_PROXY: loopbackNoProxy(), no_proxy: loopbackNoProxy() });
          // The TLS-re-signing proxy is trusted through NODE_EXTRA_CA_CERTS; fall back to npm's cafile if unset.
          if (!env.NODE_EXTRA_CA_CERTS && user.cafile) env.NODE_EXTRA_CA_CERTS = user.cafile;
          return env;
        },
        ready: async (port) => (await fetchWithTimeout(`http://127.0.0.1:${port}/-/ping`)).ok,
        startTimeoutMs: 60_000,
      });
      const res = await fetchWithTimeout(
        `http://127.0.0.1:${service.port}/-/user/org.couchdb.user:${encodeURIComponent(username)}`,
        {
          method: "PUT",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ _id: `org.couchdb.user:${username}`, name: username, password: "shipyard-test-pw", type: "user", roles: [], date: new Date().toISOString() }),
        },
        10_000,
      );
      const body = (await res.json().catch(() => ({}))) as { token?: string; error?: string };
      const ours = existsSync(htpasswd) && (await readFile(htpasswd, "utf8")).startsWith(`${username}:`);
      if (res.ok && body.token && ours) {
        token = body.token;
      } else {
        await service.stop();
        if (attempt >= 3 || ours) {
          throw new Error(`verdaccio user creation failed: HTTP ${res.status} ${JSON.stringify(body)}\n${tail(service.logs())}`);
        }
      }
    }
    if (!service) throw new Error("unreachable");
    const port = service.port;
    const url = `http://127.0.0.1:${port}/`;

    const hostKey = `//127.0.0.1:${port}/`;
    await writeFile(
      npmrcPath,
      [
        "# Generated by test/support/registry.ts: the user's npm settings, then this registry.",
        ...user.lines.filter((line) => !(options.isolatedCache && /^\s*cache\s*=/i.test(line))),
        `registry=${url}`,
        `${hostKey}:_authToken=${token}`,
        // The user's npm cache by default: tarballs are found there by integrity whatever the registry URL, which
        // saves fetching them through verdaccio. Cached packuments are safe even when a later registry reuses this
        // port: verdaccio sends an ETag and no max-age, so npm revalidates them. (Do not add prefer-online: it
        // makes npm skip the by-integrity tarball cache.)
        ...(options.isolatedCache ? [`cache=${join(dir, "npm-cache")}`] : []),
        `noproxy=${loopbackNoProxy()}`,
        "",
      ].join("\n"),
    );

    const handle = service;
    let stopped: Promise<void> | undefined;
    return {
      url,
      token,
      npmrcPath,
      env: cleanNpmEnv({ npm_config_userconfig: npmrcPath, NO_PROXY: loopbackNoProxy(), no_proxy: loopbackNoProxy() }),
      dir,
      storageDir,
      startMs: handle.startMs,
      logs: handle.logs,
      stop: () => {
        stopped ??= (async () => {
          await handle.stop();
          if (!keep) await rm(dir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  } catch (error) {
    await service?.stop();
    if (!keep) await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

interface UserNpmConfig {
  registry: string;
  cafile?: string;
  proxy?: string;
  httpsProxy?: string;
  /** Lines of the user's npmrc minus registry/auth/proxy-bypass settings, so tests see the user's other settings (yes=false…). */
  lines: string[];
}

let userConfigCache: Promise<UserNpmConfig> | undefined;

/** The user's effective npm settings (read once per process, with the npm_* variables of an outer npx removed). */
function userNpmConfig(): Promise<UserNpmConfig> {
  userConfigCache ??= (async () => {
    const env = cleanNpmEnv();
    const { stdout } = await run("npm", ["config", "list", "--json"], { env, timeoutMs: 30_000 });
    const config = JSON.parse(stdout) as Record<string, unknown>;
    const str = (key: string) => (typeof config[key] === "string" && config[key] !== "" ? (config[key] as string) : undefined);
    let registry = str("registry") ?? "https://registry.npmjs.org/";
    // Never chain to another local test registry (e.g. npm_config_registry leaked from a test environment).
    if (/^https?:\/\/(127\.|localhost|\[::1\])/.test(registry)) registry = "https://registry.npmjs.org/";
    const userconfig = str("userconfig") ?? join(homedir(), ".npmrc");
    const lines = existsSync(userconfig)
      ? (await readFile(userconfig, "utf8"))
          .split(/\r?\n/)
          .filter((line) => line.trim() && !/^\s*[#;]/.test(line))
          .filter((line) => !/^\s*(registry|noproxy|userconfig|prefer-online|prefer-offline|offline)\s*=/i.test(line) && !/^\s*\/\//.test(line) && !/_auth|_password|username|email/i.test(line))
      : [];
    return {
      registry: registry.endsWith("/") ? registry : `${registry}/`,
      ...(str("cafile") ? { cafile: str("cafile") as string } : {}),
      ...(str("proxy") ? { proxy: str("proxy") as string } : {}),
      ...(str("https-proxy") ? { httpsProxy: str("https-proxy") as string } : {}),
      lines,
    };
  })();
  return userConfigCache;
}

// ---------------------------------------------------------------------------------------------------------------
// Publishing
// ---------------------------------------------------------------------------------------------------------------

export interface PublishOptions {
  tag?: string;
  cwd?: string;
  /** Extra npm publish arguments, e.g. ["--ignore-scripts"]. */
  args?: string[];
  timeoutMs?: number;
}

/** `npm publish <dirOrTarball>` to the registry (a folder runs its prepack/prepare scripts, a .tgz does not). */
export async function publish(dirOrTarball: string, registry: Pick<Registry, "url" | "env">, options: PublishOptions = {}): Promise<RunResult> {
  const target = resolve(options.cwd ?? repoRoot, dirOrTarball);
  return run(
    "npm",
    [
      "publish",
      target,
      "--registry",
      registry.url,
      "--access",
      "public",
      "--provenance=false",
      ...(options.tag ? ["--tag", options.tag] : []),
      ...(options.args ?? []),
    ],
    { cwd: options.cwd ?? tmpdir(), env: registry.env, timeoutMs: options.timeoutMs ?? 180_000 },
  );
}
