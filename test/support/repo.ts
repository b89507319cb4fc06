// Helpers for end-to-end tests that run the built Shipyard CLI the way a user does, in a throw-away copy of this
// repository, and then look at what it wrote.
//
//   await ensureCliBuilt();                                    // once per file (beforeAll)
//   const repo = makeTempRepo();                               // the repository's files, git-initialised
//   const before = snapshotTree(repo.dir);
//   const { code, stdout, stderr } = await runShipyard(repo.dir, ["add", "service", "orders", "--yes"]);
//   const { added } = diffTrees(before, snapshotTree(repo.dir));
//   repo.remove();
//
// Only Node builtins.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** This checkout (the repository the tests belong to). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The CLI as `npm run build -w create-shipyard` leaves it. */
export const shipyardBin = join(repoRoot, "generators/dist/cli/shipyard.js");

const keepTemp = process.env.SHIPYARD_KEEP_TMP === "1";

/**
 * Builds the generator unless generators/dist is newer than every file under generators/src, so a test never runs
 * a stale CLI (scripts/test.sh builds first; a developer running one test file may not have).
 */
export function ensureCliBuilt(): void {
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((max, entry) => {
      const full = join(dir, entry.name);
      return Math.max(max, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
    }, 0);
  const sources = Math.max(newest(join(repoRoot, "generators/src")), statSync(join(repoRoot, "generators/package.json")).mtimeMs);
  if (existsSync(shipyardBin) && statSync(shipyardBin).mtimeMs >= sources) return;
  execFileSync("npm", ["run", "build", "--silent", "-w", "create-shipyard"], { cwd: repoRoot, stdio: "pipe" });
}

let filesCache: string[] | undefined;
/**
 * The repository's files as they would be committed now: tracked files plus new files git does not ignore, with
 * their working-tree content (repository-relative, forward slashes). On a clean checkout, exactly `git ls-files`.
 */
export function repoFiles(): string[] {
  filesCache ??= [
    ...new Set(
      execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
        cwd: repoRoot,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      }).split("\0"),
    ),
  ].filter((path) => path && existsSync(join(repoRoot, path)));
  return filesCache;
}

export interface TempRepoOptions {
  /** Paths to leave out: exact paths, or folders given with a trailing slash (`packages/hello/`). */
  exclude?: string[];
  /** `git init` and commit the copy, so it looks like a fresh clone (default true). */
  git?: boolean;
}

export interface TempRepo {
  dir: string;
  /** Deletes the copy (kept when SHIPYARD_KEEP_TMP=1, for debugging). */
  remove(): void;
}

/**
 * A copy of this repository's files (repoFiles) in a new temp dir: what a user has after `git clone`, without
 * node_modules or build output. packages/hello is included (it is part of every Shipyard repository: the example
 * service, the "name already taken" case, a package turbo must keep building); leave it out with `exclude`.
 * The generator's built CLI is not copied: run this checkout's with runShipyard, or `npm ci` the copy (its
 * `prepare` script builds generators/dist there).
 */
export function makeTempRepo(options: TempRepoOptions = {}): TempRepo {
  const exclude = options.exclude ?? [];
  const excluded = (path: string) => exclude.some((item) => (item.endsWith("/") ? path.startsWith(item) : path === item));
  const dir = mkdtempSync(join(tmpdir(), "shipyard-repo-"));
  for (const path of repoFiles()) {
    if (excluded(path)) continue;
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    cpSync(join(repoRoot, path), target, { verbatimSymlinks: true });
  }
  if (options.git ?? true) {
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=Shipyard Test", "-c", "user.email=test@shipyard.invalid", "-c", "commit.gpgsign=false", ...args], {
        cwd: dir,
        stdio: "pipe",
      });
    git("init", "--quiet", "--initial-branch=main");
    git("add", "--all");
    git("commit", "--quiet", "--no-verify", "--message", "copy of the Shipyard repository");
  }
  return { dir, remove: () => (keepTemp ? undefined : rmSync(dir, { recursive: true, force: true })) };
}

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CommandOptions {
  /** Written to stdin, which is then closed. stdin is always a pipe: never a TTY, as in CI. */
  input?: string;
  /** Added to (or, with undefined values, removed from) the environment. */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

/** The environment of this process without the npm_* variables an outer `npm run`/`npx` injects. */
export function userEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Runs a command to completion without a shell; never rejects on a non-zero exit (tests assert on it). */
export function runCommand(command: string, args: readonly string[], cwd: string, options: CommandOptions = {}): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env: userEnv(options.env), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.stdin.on("error", () => {}); // EPIPE when the command exits without reading
    child.stdin.end(options.input ?? "");
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, ms: Math.round(performance.now() - started) });
    });
  });
}

/** `shipyard <args>` in `cwd`, with this checkout's built CLI (or `bin`, e.g. a copy's generators/dist). */
export function runShipyard(cwd: string, args: readonly string[], options: CommandOptions & { bin?: string } = {}): Promise<CommandResult> {
  return runCommand(process.execPath, [options.bin ?? shipyardBin, ...args], cwd, options);
}

/** Path (relative, forward slashes) -> sha256 of the content; folders end in `/` (value "dir"), links map to "link:<target>". */
export type TreeSnapshot = Record<string, string>;

/**
 * Every file and folder under `dir` except inside node_modules and .git, with a content hash: two equal snapshots
 * mean nothing was written, moved or left behind (an empty folder counts).
 */
export function snapshotTree(dir: string): TreeSnapshot {
  const snapshot: TreeSnapshot = {};
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name === ".git") continue;
      const full = join(current, entry.name);
      const path = relative(dir, full).split(sep).join("/");
      const stat = lstatSync(full);
      if (stat.isSymbolicLink()) snapshot[path] = `link:${readlinkSync(full)}`;
      else if (stat.isDirectory()) {
        snapshot[`${path}/`] = "dir";
        walk(full);
      } else snapshot[path] = createHash("sha256").update(readFileSync(full)).digest("hex");
    }
  };
  walk(dir);
  return Object.fromEntries(Object.entries(snapshot).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** What changed between two snapshots, each list sorted. */
export function diffTrees(before: TreeSnapshot, after: TreeSnapshot): { added: string[]; removed: string[]; changed: string[] } {
  const keys = (snapshot: TreeSnapshot) => Object.keys(snapshot);
  return {
    added: keys(after).filter((path) => !(path in before)).sort(),
    removed: keys(before).filter((path) => !(path in after)).sort(),
    changed: keys(after).filter((path) => path in before && before[path] !== after[path]).sort(),
  };
}

/** A TCP port that was free on `host` a moment ago (0.0.0.0 for a server that must be reached from outside). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolvePromise(address.port) : reject(new Error("no port"))));
    });
  });
}

/** `git <args>` in `dir` with a throw-away identity; throws with git's stderr when it fails. */
export async function git(dir: string, ...args: string[]): Promise<string> {
  const result = await runCommand("git", ["-c", "user.name=Shipyard Test", "-c", "user.email=test@shipyard.invalid", "-c", "commit.gpgsign=false", ...args], dir);
  if (result.code !== 0) throw new Error(`git ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** The synchronous `git`, for set-up code that is simpler without await; returns trimmed stdout. */
export function gitSync(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=Shipyard Test", "-c", "user.email=test@shipyard.invalid", "-c", "commit.gpgsign=false", ...args], {
    cwd: dir,
    stdio: "pipe",
    encoding: "utf8",
  }).trim();
}

export interface PausedChild {
  child: ChildProcess;
  /** stdout and stderr so far (and, once it exited, in full). */
  output(): { stdout: string; stderr: string };
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/**
 * Starts a command with the generator's test hook SHIPYARD_TEST_PAUSE_AT=<point> and resolves once it says
 * `paused at <point>` on stderr: the process is then stopped there (for 30 s), to be killed or raced. Synchronises
 * on the program's own pause point, never on a delay. Rejects if the process exits without reaching it.
 */
export function spawnUntilPaused(command: string, args: readonly string[], cwd: string, point: string, options: CommandOptions = {}): Promise<PausedChild> {
  const child = spawn(command, args, { cwd, env: userEnv({ ...options.env, SHIPYARD_TEST_PAUSE_AT: point }), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolveExit) =>
    child.once("close", (code, signal) => resolveExit({ code, signal, stdout, stderr })),
  );
  return new Promise((resolvePaused, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`never paused at ${point}\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      if (stderr.includes(`paused at ${point}\n`)) {
        clearTimeout(timer);
        resolvePaused({ child, output: () => ({ stdout, stderr }), exited });
      }
    });
    void exited.then((result) => {
      clearTimeout(timer);
      reject(new Error(`exited (${result.code ?? result.signal}) before pausing at ${point}\n${result.stderr}`));
    });
  });
}

/** `shipyard <args>` stopped at a pause point (see spawnUntilPaused). */
export function shipyardUntilPaused(cwd: string, args: readonly string[], point: string, options: CommandOptions & { bin?: string } = {}): Promise<PausedChild> {
  return spawnUntilPaused(process.execPath, [options.bin ?? shipyardBin, ...args], cwd, point, options);
}
