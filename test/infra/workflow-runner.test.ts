// Proves the local GitHub Actions runner (test/support/workflow-runner.ts), the clever stub and the checks against the
// real clever-tools CLI, on small workflows written here.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assertCleverFlagsExist, cleverHelp, ensureCleverTools, parseCleverHelp, runRealClever } from "../support/clever-cli.ts";
import { createCleverStub, STUB_COMMAND_OPTIONS } from "../support/clever-stub.ts";
import {
  conditionExpression,
  evaluateExpression,
  extractRunBlocks,
  hashFiles,
  runJob,
  runWorkflow,
  WorkflowError,
} from "../support/workflow-runner.ts";

let root: string;
let ws: string;
let n = 0;

function git(cwd: string, ...args: string[]) {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd, encoding: "utf8" }).trim();
}

/** Writes a workflow into the workspace and returns its path. */
function wf(yaml: string): string {
  const file = path.join(ws, ".github", "workflows", `wf${++n}.yml`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, yaml);
  return file;
}

const push = { name: "push" as const, ref: "refs/heads/main" };

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "wf-runner-test-"));
  ws = path.join(root, "repo");
  mkdirSync(path.join(ws, "packages", "api"), { recursive: true });
  writeFileSync(path.join(ws, "package-lock.json"), '{"lockfileVersion":3}\n');
  writeFileSync(path.join(ws, "packages", "api", "package.json"), '{"name":"api"}\n');
  git(ws, "init", "-q", "-b", "main");
  git(ws, "add", ".");
  git(ws, "commit", "-q", "-m", "init");
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("expression evaluator", () => {
  const ev = (src: string, contexts: Record<string, unknown> = {}) => evaluateExpression(src, { contexts });

  test("loose equality and truthiness follow GitHub's rules", () => {
    expect(ev("'' == false")).toBe(true);
    expect(ev("!''")).toBe(true);
    expect(ev("!'false'")).toBe(false); // non-empty string is truthy
    expect(ev("null == 0")).toBe(true);
    expect(ev("null == ''")).toBe(true);
    expect(ev("'abc' == 'ABC'")).toBe(true); // strings compare case-insensitively
    expect(ev("'1' == 1")).toBe(true);
    expect(ev("'0x10' == 16")).toBe(true);
    expect(ev("' 2 ' == 2")).toBe(true);
    expect(ev("'a' == 0")).toBe(false); // 'a' -> NaN
    expect(ev("NaN == NaN")).toBe(false);
    expect(ev("true == 1")).toBe(true);
    expect(ev("fromJSON('[]') == fromJSON('[]')")).toBe(false); // objects by reference
    expect(ev("1 < 2 && 'b' > 'A'")).toBe(true);
    expect(ev("!0 && !null && !false")).toBe(true);
  });

  test("&& and || return an operand, not a boolean", () => {
    expect(ev("'' || 'fallback'")).toBe("fallback");
    expect(ev("'x' && 'y'")).toBe("y");
    expect(ev("0 && 'y'")).toBe(0);
    expect(ev("github.ref == 'refs/heads/main' && 'prod' || 'staging'", { github: { ref: "refs/heads/main" } })).toBe("prod");
  });

  test("functions", () => {
    expect(ev("contains('Hello world', 'WORLD')")).toBe(true);
    expect(ev("contains(fromJSON('[\"a\",\"b\"]'), 'B')")).toBe(true);
    expect(ev("contains(fromJSON('[\"a\",\"b\"]'), 'c')")).toBe(false);
    expect(ev("startsWith('refs/heads/main', 'refs/heads/')")).toBe(true);
    expect(ev("endsWith('file.TS', '.ts')")).toBe(true);
    expect(ev("format('{0}-{1}:{{x}}', 'a', 1)")).toBe("a-1:{x}");
    expect(() => ev("format('{0} {1}', 'a')")).toThrow(/more arguments/);
    expect(ev("join(fromJSON('[1,2,3]'), '+')")).toBe("1+2+3");
    expect(ev("join('abc')")).toBe("abc");
    expect(ev("toJSON(fromJSON('{\"a\":[1]}'))")).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(ev("fromJSON('{\"n\": 3}').n")).toBe(3);
    expect(ev("fromJSON('true')")).toBe(true);
  });

  test("contexts: case-insensitive names, missing properties are null, index and .* filters", () => {
    const github = { event: { commits: [{ id: "a1" }, { id: "b2" }], pull_request: { head: { ref: "feat" } } } };
    expect(ev("GitHub.Event.pull_request.head.ref", { github })).toBe("feat");
    expect(ev("github.event.nope.deeper", { github })).toBe(null);
    expect(ev("github['event']['commits'][1].id", { github })).toBe("b2");
    expect(ev("github.event.commits.*.id", { github })).toEqual(["a1", "b2"]);
    expect(ev("contains(github.event.commits.*.id, 'B2')", { github })).toBe(true);
  });

  test("syntax and availability errors", () => {
    expect(() => ev('"double"')).toThrow(/single quotes/);
    expect(() => ev("nosuchfn(1)")).toThrow(/Unrecognized function/);
    expect(() => ev("1 ==")).toThrow(/Unexpected end/);
    expect(() => evaluateExpression("secrets.X != ''", { contexts: {}, allowedContexts: ["github", "needs", "vars", "inputs"] })).toThrow(
      /Unrecognized named-value: 'secrets'/,
    );
  });

  test("if: conditions get an implicit success() &&, and mixed templates are strings", () => {
    expect(conditionExpression(undefined)).toBe("success()");
    expect(conditionExpression("github.ref == 'x'")).toBe("success() && (github.ref == 'x')");
    expect(conditionExpression("${{ always() }}")).toBe("always()");
    expect(conditionExpression("failure() && steps.a.outcome == 'failure'")).toBe("failure() && steps.a.outcome == 'failure'");
    // `if: ${{ false }} == true` is the string 'false == true': truthy.
    const mixed = conditionExpression("${{ false }} == true");
    expect(evaluateExpression(mixed, { contexts: {}, status: { success: true, failure: false } })).toBeTruthy();
  });

  test("hashFiles hashes matching files, '' when nothing matches", () => {
    const h1 = hashFiles(ws, ["**/package-lock.json"]);
    expect(h1).toMatch(/^[0-9a-f]{64}$/);
    expect(hashFiles(ws, ["**/package-lock.json"])).toBe(h1);
    expect(hashFiles(ws, ["**/*.nothing"])).toBe("");
    expect(hashFiles(ws, ["**/package.json", "!packages/**"])).toBe("");
  });
});

describe("runJob", () => {
  test("outputs pass between steps (GITHUB_OUTPUT, heredoc) and become job outputs", async () => {
    const file = wf(`
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    outputs:
      version: \${{ steps.v.outputs.version }}
    steps:
      - id: v
        run: |
          echo "version=1.2.3" >> "$GITHUB_OUTPUT"
          { echo 'notes<<EOF'; echo 'line 1'; echo 'line 2'; echo 'EOF'; } >> "$GITHUB_OUTPUT"
      - name: use
        run: |
          echo "got \${{ steps.v.outputs.version }}"
          test "\${{ steps.v.outputs.notes }}" = "$(printf 'line 1\\nline 2')"
          test "\${{ steps.v.outcome }}" = success
`);
    const r = await runJob({ workflowFile: file, job: "build", cwd: ws, event: push });
    expect(r.status).toBe("success");
    expect(r.steps[0]?.outputs).toEqual({ version: "1.2.3", notes: "line 1\nline 2" });
    expect(r.steps[1]?.stdout).toContain("got 1.2.3");
    expect(r.outputs).toEqual({ version: "1.2.3" });
  });

  test("job if: vars missing vs present; secrets are not allowed in a job-level if", async () => {
    const file = wf(`
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    if: vars.CLEVER_APP_ID != ''
    steps:
      - run: echo deploying
`);
    const without = await runJob({ workflowFile: file, job: "deploy", cwd: ws, event: push });
    expect(without.status).toBe("skipped");
    expect(without.steps).toEqual([]);
    const withVar = await runJob({ workflowFile: file, job: "deploy", cwd: ws, event: push, vars: { CLEVER_APP_ID: "app_1" } });
    expect(withVar.status).toBe("success");

    const bad = wf(`
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    if: secrets.CLEVER_TOKEN != ''
    steps:
      - run: echo deploying
`);
    await expect(runJob({ workflowFile: bad, job: "deploy", cwd: ws, event: push })).rejects.toThrow(
      /jobs\.deploy\.if: Unrecognized named-value: 'secrets'/,
    );
    const badStep = wf(`
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - if: secrets.CLEVER_TOKEN
        run: echo deploying
`);
    await expect(runJob({ workflowFile: badStep, job: "deploy", cwd: ws, event: push })).rejects.toThrow(
      /steps\[0\]\.if: Unrecognized named-value: 'secrets'/,
    );
  });

  test("an expression error at run time fails the step and the job", async () => {
    const file = wf(`
on: push
jobs:
  t:
    runs-on: ubuntu-latest
    steps:
      - if: fromJSON(vars.CONFIG).deploy
        run: echo deploy
      - run: echo next
`);
    const r = await runJob({ workflowFile: file, job: "t", cwd: ws, event: push, vars: { CONFIG: "not json" } });
    expect(r.status).toBe("failure");
    expect(r.steps.map((s) => s.status)).toEqual(["failure", "skipped"]);
    expect(r.steps[0]?.stderr).toMatch(/Error evaluating 'if'.*fromJson/);
    const ok = await runJob({ workflowFile: file, job: "t", cwd: ws, event: push, vars: { CONFIG: '{"deploy": true}' } });
    expect(ok.steps.map((s) => s.status)).toEqual(["success", "success"]);
  });

  test("a background process does not hold the step open and is killed at the end of the job", async () => {
    const file = wf(`
on: push
jobs:
  t:
    runs-on: ubuntu-latest
    steps:
      - run: |
          sleep 30 &
          echo "pid=$!" >> "$GITHUB_OUTPUT"
        id: bg
      - run: kill -0 \${{ steps.bg.outputs.pid }} && echo alive
`);
    const t0 = performance.now();
    const r = await runJob({ workflowFile: file, job: "t", cwd: ws, event: push });
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(r.steps[1]?.stdout).toBe("alive\n");
    // Gone or a zombie (killed, waiting for PID 1 to reap it).
    const pid = Number(r.steps[0]?.outputs.pid);
    const state = () => {
      try {
        return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
      } catch {
        return "gone";
      }
    };
    for (let i = 0; i < 40 && state() !== "gone" && state() !== "Z"; i++) await new Promise((res) => setTimeout(res, 50));
    expect(["gone", "Z"]).toContain(state());
  });

  test("secrets missing vs present, tested through env (the pattern that works in a step if)", async () => {
    const file = wf(`
on: push
env:
  HAS_CLEVER: \${{ secrets.CLEVER_TOKEN != '' && secrets.CLEVER_SECRET != '' }}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - name: skip notice
        if: env.HAS_CLEVER != 'true'
        run: echo "::notice title=Deploy skipped::CLEVER_TOKEN/CLEVER_SECRET not set"
      - name: deploy
        if: env.HAS_CLEVER == 'true'
        env:
          CLEVER_TOKEN: \${{ secrets.CLEVER_TOKEN }}
        run: echo "token length \${#CLEVER_TOKEN}"
`);
    const missing = await runJob({ workflowFile: file, job: "deploy", cwd: ws, event: push });
    expect(missing.status).toBe("success");
    expect(missing.steps.map((s) => s.status)).toEqual(["success", "skipped"]);
    expect(missing.notices).toEqual(["CLEVER_TOKEN/CLEVER_SECRET not set"]);
    expect(missing.annotations[0]?.properties).toEqual({ title: "Deploy skipped" });

    const present = await runJob({ workflowFile: file, job: "deploy", cwd: ws, event: push, secrets: { CLEVER_TOKEN: "tok-123", CLEVER_SECRET: "sec-456" } });
    expect(present.steps.map((s) => s.status)).toEqual(["skipped", "success"]);
    expect(present.steps[1]?.stdout).toContain("token length 7");
    expect(present.notices).toEqual([]);
  });

  test("step if, failing step fails the job, later steps skipped unless failure()/always()", async () => {
    const file = wf(`
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - name: only on PRs
        if: github.event_name == 'pull_request'
        run: echo pr
      - name: breaks
        id: breaks
        run: |
          echo before
          exit 3
          echo after
      - name: next
        run: echo should not run
      - name: on failure
        if: failure() && steps.breaks.outcome == 'failure'
        run: echo "handling failure"
      - name: always
        if: always()
        run: echo always
`);
    const r = await runJob({ workflowFile: file, job: "test", cwd: ws, event: push });
    expect(r.status).toBe("failure");
    expect(r.steps.map((s) => [s.name, s.status])).toEqual([
      ["only on PRs", "skipped"],
      ["breaks", "failure"],
      ["next", "skipped"],
      ["on failure", "success"],
      ["always", "success"],
    ]);
    expect(r.steps[1]?.stdout).toBe("before\n");
    expect(r.steps[1]?.exitCode).toBe(3);
    expect(r.errors).toContain("Process completed with exit code 3.");
  });

  test("continue-on-error: outcome failure, conclusion success, job succeeds", async () => {
    const file = wf(`
on: push
jobs:
  t:
    runs-on: ubuntu-latest
    steps:
      - id: flaky
        continue-on-error: true
        run: exit 1
      - run: echo "outcome=\${{ steps.flaky.outcome }} conclusion=\${{ steps.flaky.conclusion }}"
`);
    const r = await runJob({ workflowFile: file, job: "t", cwd: ws, event: push });
    expect(r.status).toBe("success");
    expect(r.steps[0]).toMatchObject({ outcome: "failure", status: "success" });
    expect(r.steps[1]?.stdout).toBe("outcome=failure conclusion=success\n");
  });

  test("::notice / ::warning / ::error workflow commands are captured", async () => {
    const file = wf(`
on: push
jobs:
  t:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "::notice::Deployed orders to https://orders.example%0Anext line"
          echo "::warning file=app.ts,line=3::careful"
          echo "::error::bad thing" >&2
          echo "::add-mask::hide-me"
          echo "value hide-me here"
`);
    const r = await runJob({ workflowFile: file, job: "t", cwd: ws, event: push });
    expect(r.status).toBe("success"); // ::error alone does not fail a step
    expect(r.notices).toEqual(["Deployed orders to https://orders.example\nnext line"]);
    expect(r.warnings).toEqual(["careful"]);
    expect(r.errors).toEqual(["bad thing"]);
    expect(r.annotations.find((a) => a.level === "warning")?.properties).toEqual({ file: "app.ts", line: "3" });
    expect(r.steps[0]?.stdout).toContain("value *** here");
  });

  test("env precedence: step > GITHUB_ENV > job > workflow > runner; GITHUB_* cannot be overridden", async () => {
    const file = wf(`
on: push
env:
  A: workflow
  B: workflow
  C: workflow
  D: workflow
  GITHUB_SHA: overridden
jobs:
  t:
    runs-on: ubuntu-latest
    env:
      B: job
      C: job
      D: job
    steps:
      - run: echo "D=from-github-env" >> "$GITHUB_ENV"
      - name: show
        env:
          C: step
          FROM_ENV: \${{ env.B }}
        if: env.C == 'step'
        run: echo "A=$A B=$B C=$C D=$D E=$E FROM_ENV=$FROM_ENV sha=$GITHUB_SHA ci=$CI"
`);
    const sha = git(ws, "rev-parse", "HEAD");
    const r = await runJob({ workflowFile: file, job: "t", cwd: ws, event: push, env: { A: "runner", E: "runner" } });
    expect(r.status).toBe("success");
    expect(r.steps[1]?.stdout).toBe(`A=workflow B=job C=step D=from-github-env E=runner FROM_ENV=job sha=${sha} ci=true\n`);
  });

  test("GitHub variables, GITHUB_PATH, GITHUB_STEP_SUMMARY, working-directory and defaults.run", async () => {
    const file = wf(`
on: [push, pull_request]
defaults:
  run:
    working-directory: packages
jobs:
  t:
    runs-on: ubuntu-latest
    steps:
      - run: |
          mkdir -p "$RUNNER_TEMP/bin"
          printf '#!/bin/sh\\necho hello-from-tool\\n' > "$RUNNER_TEMP/bin/mytool"
          chmod +x "$RUNNER_TEMP/bin/mytool"
          echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"
          echo "### Summary" >> "$GITHUB_STEP_SUMMARY"
      - run: |
          mytool
          echo "pwd=$PWD"
          echo "ws=$GITHUB_WORKSPACE event=$GITHUB_EVENT_NAME ref=$GITHUB_REF ci=$CI os=$RUNNER_OS"
          echo "ref_name=\${{ github.ref_name }} head=\${{ github.head_ref }} pr=\${{ github.event.pull_request.number }}"
      - working-directory: packages/api # relative to the workspace, not to defaults.run
        run: echo "pwd=$PWD"
`);
    const r = await runJob({ workflowFile: file, job: "t", cwd: ws, event: { name: "pull_request", headRef: "feat-x" } });
    expect(r.status, JSON.stringify(r.steps, null, 2)).toBe("success");
    expect(r.steps[1]?.stdout).toBe(
      `hello-from-tool\npwd=${ws}/packages\nws=${ws} event=pull_request ref=refs/pull/1/merge ci=true os=Linux\nref_name=1/merge head=feat-x pr=1\n`,
    );
    expect(r.steps[2]?.stdout).toBe(`pwd=${ws}/packages/api\n`);
    expect(r.summary).toBe("### Summary\n");
  });

  test("default shell is `bash -e` (no pipefail); `shell: bash` adds pipefail", async () => {
    const file = wf(`
on: push
jobs:
  t:
    runs-on: ubuntu-latest
    steps:
      - name: default
        run: false | cat
      - name: explicit
        shell: bash
        run: false | cat
`);
    const r = await runJob({ workflowFile: file, job: "t", cwd: ws, event: push });
    expect(r.steps[0]).toMatchObject({ status: "success", shell: "bash -e {0}" });
    expect(r.steps[1]).toMatchObject({ status: "failure", shell: "bash --noprofile --norc -eo pipefail {0}" });
  });

  test("needs of a missing job is rejected", async () => {
    const file = wf(`
on: push
jobs:
  deploy:
    needs: [tests]
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
`);
    await expect(runJob({ workflowFile: file, job: "deploy", cwd: ws, event: push })).rejects.toThrow(WorkflowError);
    await expect(runJob({ workflowFile: file, job: "deploy", cwd: ws, event: push })).rejects.toThrow(
      /depends on unknown job 'tests'/,
    );
  });

  test("uses: checkout/setup-node/cache are satisfied with their inputs recorded; any other action fails the job", async () => {
    const file = wf(`
on: push
jobs:
  t:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: actions/setup-node@v4
        with:
          node-version: 24
          cache: npm
      - uses: actions/cache@v4
        with:
          path: ~/.npm
          key: npm-\${{ hashFiles('**/package-lock.json') }}
      - name: Deploy
        uses: 47ng/actions-clever-cloud@v2.2.0
        with:
          alias: orders
      - run: echo after
`);
    const r = await runJob({ workflowFile: file, job: "t", cwd: ws, event: push });
    expect(r.status).toBe("failure");
    expect(r.steps[0]).toMatchObject({ status: "success", uses: "actions/checkout@v4", with: { "fetch-depth": "0" } });
    expect(r.steps[1]?.with).toEqual({ "node-version": "24", cache: "npm" });
    expect(r.steps[2]?.with?.key).toBe(`npm-${hashFiles(ws, ["**/package-lock.json"])}`);
    expect(r.steps[3]?.status).toBe("failure");
    expect(r.steps[3]?.stderr).toMatch(/does not run the action '47ng\/actions-clever-cloud@v2.2.0'/);
    expect(r.steps[4]?.status).toBe("skipped");

    // The same step replaced by a script runs (and keeps its if/env).
    const replaced = await runJob({ workflowFile: file, job: "t", cwd: ws, event: push, replaceSteps: { Deploy: "echo replaced" } });
    expect(replaced.status).toBe("success");
    expect(replaced.steps[3]).toMatchObject({ status: "success", stdout: "replaced\n", replaced: true });
    await expect(runJob({ workflowFile: file, job: "t", cwd: ws, event: push, replaceSteps: { Nope: "true" } })).rejects.toThrow(
      /no step named 'Nope'/,
    );
  });

  test("secrets are masked in captured output", async () => {
    const file = wf(`
on: push
jobs:
  t:
    runs-on: ubuntu-latest
    outputs:
      leaked: \${{ steps.s.outputs.tok }}
    steps:
      - id: s
        run: |
          echo "token is \${{ secrets.CLEVER_TOKEN }}"
          echo "tok=\${{ secrets.CLEVER_TOKEN }}" >> "$GITHUB_OUTPUT"
`);
    const r = await runJob({ workflowFile: file, job: "t", cwd: ws, event: push, secrets: { CLEVER_TOKEN: "s3cr3t-value" } });
    expect(r.steps[0]?.stdout).toBe("token is ***\n");
    expect(r.outputs).toEqual({}); // GitHub drops job outputs that contain a secret
    expect(r.warnings).toContain("Skip output 'leaked' since it may contain secret.");
  });

  test("triggers: branch filters and event types", async () => {
    const file = wf(`
on:
  push:
    branches: [main]
jobs:
  t:
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
`);
    const other = await runJob({ workflowFile: file, job: "t", cwd: ws, event: { name: "push", ref: "refs/heads/feature" } });
    expect(other).toMatchObject({ status: "skipped", triggered: false });
    const pr = await runJob({ workflowFile: file, job: "t", cwd: ws, event: { name: "pull_request" } });
    expect(pr).toMatchObject({ status: "skipped", triggered: false });
    expect((await runJob({ workflowFile: file, job: "t", cwd: ws, event: push })).status).toBe("success");
  });

  test("matrix combinations", async () => {
    const file = wf(`
on: push
jobs:
  t:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        node: [22, 24]
        include:
          - node: 24
            latest: true
    steps:
      - run: echo "node=\${{ matrix.node }} latest=\${{ matrix.latest }}"
`);
    const r = await runJob({ workflowFile: file, job: "t", cwd: ws, event: push });
    expect(r.runs?.map((x) => x.steps[0]?.stdout)).toEqual(["node=22 latest=\n", "node=24 latest=true\n"]);
    const one = await runJob({ workflowFile: file, job: "t", cwd: ws, event: push, matrix: { node: 22 } });
    expect(one.steps[0]?.stdout).toBe("node=22 latest=\n");
  });
});

describe("environments, releases, dispatch inputs, forks", () => {
  test("an environment's vars and secrets override the repository's after the job if; its url may read steps", async () => {
    const file = wf(`on: push
jobs:
  deploy:
    if: vars.APP != ''
    runs-on: ubuntu-24.04
    environment:
      name: staging
      url: \${{ steps.out.outputs.url }}
    steps:
      - id: out
        env:
          APP: \${{ vars.APP }}
          TOKEN: \${{ secrets.TOKEN }}
        run: |
          echo "app=$APP token=$TOKEN"
          echo "url=https://$APP.example" >> "$GITHUB_OUTPUT"
`);
    const base = { workflowFile: file, job: "deploy", cwd: ws, event: push };
    // The job if sees repository variables only: an environment-only value does not start the job.
    const envOnly = await runJob({ ...base, environments: { staging: { vars: { APP: "stg" } } } });
    expect(envOnly.status).toBe("skipped");
    const r = await runJob({ ...base, vars: { APP: "repo" }, secrets: { TOKEN: "repo-tok" }, environments: { Staging: { vars: { APP: "stg" }, secrets: { TOKEN: "env-tok" } } } });
    expect(r.status).toBe("success");
    expect(r.steps[0]?.stdout).toBe("app=stg token=***\n");
    expect(r.environment).toEqual({ name: "staging", url: "https://stg.example" });
    const other = await runJob({ ...base, vars: { APP: "repo" }, environments: { production: { vars: { APP: "prod" } } } });
    expect(other.steps[0]?.stdout).toBe("app=repo token=\n");
  });

  test("release: ref refs/tags/<tag>, sha the tag's commit, types filter; workflow_dispatch: inputs with defaults, unknown or missing required refused", async () => {
    const file = wf(`on:
  release:
    types: [published]
  workflow_dispatch:
    inputs:
      ref:
        required: false
        default: "main"
      level:
        type: choice
        options: [a, b]
        default: a
jobs:
  show:
    runs-on: ubuntu-24.04
    steps:
      - env:
          TAG: \${{ github.event.release.tag_name }}
          REF_INPUT: \${{ inputs.ref }}
          LEVEL: \${{ github.event.inputs.level }}
        run: echo "$GITHUB_EVENT_NAME $GITHUB_REF $GITHUB_SHA tag=$TAG ref=$REF_INPUT level=$LEVEL"
`);
    const sha = git(ws, "rev-parse", "HEAD");
    const rel = await runJob({ workflowFile: file, job: "show", cwd: ws, event: { name: "release", tag: "v2.0.0", sha } });
    expect(rel.steps[0]?.stdout).toBe(`release refs/tags/v2.0.0 ${sha} tag=v2.0.0 ref= level=\n`);
    const created = await runJob({ workflowFile: file, job: "show", cwd: ws, event: { name: "release", action: "created" } });
    expect(created).toMatchObject({ triggered: false, skipReason: "release 'created' is not in types published" });
    const dispatch = await runJob({ workflowFile: file, job: "show", cwd: ws, event: { name: "workflow_dispatch", inputs: { level: "b" } } });
    expect(dispatch.steps[0]?.stdout).toContain("ref=main level=b");
    await expect(runJob({ workflowFile: file, job: "show", cwd: ws, event: { name: "workflow_dispatch", inputs: { nope: "x" } } })).rejects.toThrow(/Unexpected inputs provided: \["nope"\]/);
    await expect(runJob({ workflowFile: file, job: "show", cwd: ws, event: { name: "workflow_dispatch", inputs: { level: "c" } } })).rejects.toThrow(/not in the list of allowed values/);
  });

  test("a fork's pull request gets no secrets (repository or environment) unless exposeSecretsToForks", async () => {
    const file = wf(`on: pull_request
jobs:
  show:
    runs-on: ubuntu-24.04
    environment: review
    steps:
      - env:
          A: \${{ secrets.A }}
          B: \${{ secrets.B }}
          HEAD: \${{ github.event.pull_request.head.repo.full_name }}
        run: echo "[$A][$B] $HEAD"
`);
    const opts = { workflowFile: file, job: "show", cwd: ws, secrets: { A: "a-secret" }, environments: { review: { secrets: { B: "b-secret" } } } };
    const fork = await runJob({ ...opts, event: { name: "pull_request", fork: true } });
    expect(fork.steps[0]?.stdout).toBe("[][] fork-owner/app\n");
    const exposed = await runJob({ ...opts, event: { name: "pull_request", fork: true }, exposeSecretsToForks: true });
    expect(exposed.steps[0]?.stdout).toBe("[***][***] fork-owner/app\n");
    const same = await runJob({ ...opts, event: { name: "pull_request" } });
    expect(same.steps[0]?.stdout).toBe("[***][***] shipyard-test/app\n");
  });
});

describe("runWorkflow", () => {
  test("runs jobs in needs order, passes outputs, skips dependents of failed jobs unless always()", async () => {
    const file = wf(`
on: push
jobs:
  deploy:
    needs: [test]
    runs-on: ubuntu-latest
    steps:
      - run: echo "deploying \${{ needs.test.outputs.artifact }}"
  report:
    needs: [test, deploy]
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: echo "test=\${{ needs.test.result }} deploy=\${{ needs.deploy.result }}"
  test:
    runs-on: ubuntu-latest
    outputs:
      artifact: \${{ steps.b.outputs.name }}
    steps:
      - id: b
        run: |
          echo "name=app-1.tgz" >> "$GITHUB_OUTPUT"
          test "$SHOULD_FAIL" != yes
`);
    const ok = await runWorkflow({ workflowFile: file, cwd: ws, event: push });
    expect(ok.order).toEqual(["test", "deploy", "report"]);
    expect(ok.status).toBe("success");
    expect(ok.jobs.deploy?.steps[0]?.stdout).toBe("deploying app-1.tgz\n");
    expect(ok.jobs.report?.steps[0]?.stdout).toBe("test=success deploy=success\n");

    const bad = await runWorkflow({ workflowFile: file, cwd: ws, event: push, env: { SHOULD_FAIL: "yes" } });
    expect(bad.status).toBe("failure");
    expect(bad.jobs.test?.status).toBe("failure");
    expect(bad.jobs.deploy?.status).toBe("skipped");
    expect(bad.jobs.report?.steps[0]?.stdout).toBe("test=failure deploy=skipped\n");
  });
});

describe("extractRunBlocks", () => {
  test("replaces expressions with placeholder variables; shellcheck accepts the blocks", () => {
    const file = wf(`
on: push
jobs:
  t:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: deploy
        shell: bash
        run: |
          clever link "\${{ vars.CLEVER_APP_ID }}" --alias "\${{ format('{0}-x', 'orders') }}"
          echo "done \${{ github.sha }}"
`);
    const blocks = extractRunBlocks(file);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatchObject({ job: "t", stepIndex: 1, name: "deploy", shell: "bash" });
    expect(blocks[0]?.script).toBe('clever link "${GHA_EXPR_1}" --alias "${GHA_EXPR_2}"\necho "done ${GHA_EXPR_3}"\n');
    expect(blocks[0]?.expressions).toEqual(["vars.CLEVER_APP_ID", "format('{0}-x', 'orders')", "github.sha"]);
    const hasShellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
    if (!hasShellcheck) {
      console.warn("shellcheck not installed (apt-get install shellcheck): skipping the shellcheck run");
      return;
    }
    const ok = spawnSync("shellcheck", ["--shell=bash", "-"], { input: blocks[0]?.script, encoding: "utf8" });
    expect(ok.stdout).toBe("");
    expect(ok.status).toBe(0);
    const bad = spawnSync("shellcheck", ["--shell=bash", "-"], { input: "cd $GHA_EXPR_1\n", encoding: "utf8" });
    expect(bad.status).not.toBe(0); // unquoted + cd without || exit: real findings still surface
  });
});

describe("clever stub + real clever-tools flags", () => {
  test("stub: link writes .clever.json, deploy/env set resolve the alias, credentials recorded as booleans", async () => {
    const stubDir = path.join(root, "stub1");
    const clever = createCleverStub(stubDir);
    const file = wf(`
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    env:
      CLEVER_TOKEN: \${{ secrets.CLEVER_TOKEN }}
      CLEVER_SECRET: \${{ secrets.CLEVER_SECRET }}
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - run: clever link "\${{ vars.CLEVER_APP_ID }}" --alias orders
      - run: clever env set NODE_ENV production --alias orders
      - run: npx --yes clever-tools@4 deploy --alias orders --force --same-commit-policy rebuild
`);
    const r = await runJob({
      workflowFile: file,
      job: "deploy",
      cwd: ws,
      event: push,
      secrets: { CLEVER_TOKEN: "tok", CLEVER_SECRET: "sec" },
      vars: { CLEVER_APP_ID: "app_11111111-2222-4333-8444-555555555555" },
      pathPrepend: [clever.binDir],
    });
    expect(r.status, JSON.stringify(r.steps, null, 2)).toBe("success");
    const calls = clever.calls();
    expect(calls.map((c) => c.argv)).toEqual([
      ["link", "app_11111111-2222-4333-8444-555555555555", "--alias", "orders"],
      ["env", "set", "NODE_ENV", "production", "--alias", "orders"],
      ["deploy", "--alias", "orders", "--force", "--same-commit-policy", "rebuild"],
    ]);
    expect(calls.every((c) => c.env.CLEVER_TOKEN === true && c.env.CLEVER_SECRET === true && c.exitCode === 0)).toBe(true);
    expect(calls[2]).toMatchObject({ via: "npx", npxSpec: "clever-tools@4", npxYes: true });
    expect(readFileSync(clever.logFile, "utf8")).not.toContain("tok"); // values never recorded
    expect(clever.linkedApps(ws)?.[0]).toMatchObject({ app_id: "app_11111111-2222-4333-8444-555555555555", alias: "orders" });
    for (const c of calls) await assertCleverFlagsExist(c.argv);
    rmSync(path.join(ws, ".clever.json"));
  });

  test("stub fails like the real CLI: unlinked alias, missing credentials, unknown option, shallow clone", async () => {
    const clever = createCleverStub(path.join(root, "stub2"));
    const run = (args: string[], env: Record<string, string> = { CLEVER_TOKEN: "t", CLEVER_SECRET: "s" }, cwd = ws) =>
      spawnSync(path.join(clever.binDir, "clever"), args, { cwd, env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8" });
    let p = run(["deploy", "--alias", "orders"]);
    expect(p.status).toBe(1);
    expect(p.stderr).toContain("There is no linked or targeted application. Use `--app` option or `clever link` command.");
    expect(run(["link", "app_1", "--alias", "orders"]).status).toBe(0);
    p = run(["deploy", "--alias", "billing"]);
    expect(p.status).toBe(1);
    expect(p.stderr).toContain("There are no applications matching alias billing");
    p = run(["env", "set", "A", "b", "--alias", "billing"]);
    expect(p.stderr).toContain("There are no applications matching alias billing");
    p = run(["deploy", "--alias", "orders"], { CLEVER_TOKEN: "", CLEVER_SECRET: "s" });
    expect(p.status).toBe(1);
    expect(p.stderr).toContain("You're not logged in");
    p = run(["deploy", "--app", "app_1"]);
    expect(p.status).toBe(1);
    expect(p.stderr).toContain("Unknown option: app");
    expect(run(["deploy", "--alias", "orders"]).status).toBe(0);
    // A shallow clone (actions/checkout's default fetch-depth: 1) cannot be pushed.
    const shallow = path.join(root, "shallow");
    git(root, "clone", "-q", "--depth", "1", `file://${ws}`, shallow);
    writeFileSync(path.join(shallow, ".clever.json"), readFileSync(path.join(ws, ".clever.json")));
    p = run(["deploy", "--alias", "orders"], undefined, shallow);
    expect(p.status).toBe(1);
    expect(p.stderr).toContain("repository is shallow");
    expect(clever.calls().map((c) => c.exitCode)).toEqual([1, 0, 1, 1, 1, 1, 0, 1]);
    expect(clever.calls()[4]?.env).toEqual({ CLEVER_TOKEN: false, CLEVER_SECRET: true });
    rmSync(path.join(ws, ".clever.json"));
  });

  test("stub account state: create, link by name (must exist, once), env set, domain add, deploy, delete --yes", async () => {
    const clever = createCleverStub(path.join(root, "stub-cloud"));
    const dir = path.join(root, "cloud-ws");
    git(root, "clone", "-q", ws, dir);
    const run = (args: string[]) => spawnSync(path.join(clever.binDir, "clever"), args, { cwd: dir, env: { PATH: process.env.PATH ?? "", CLEVER_TOKEN: "t", CLEVER_SECRET: "s" }, encoding: "utf8" });
    expect(run(["link", "app-pr-1", "--alias", "x"]).stderr).toContain("Application app-pr-1 not found");
    expect(run(["create", "--type", "node", "app-pr-1", "--alias", "x"]).status).toBe(0);
    expect(run(["domain", "add", "app-pr-1.cleverapps.io", "--alias", "x"]).status).toBe(0);
    expect(run(["env", "set", "--alias", "x", "--", "A", "1"]).status).toBe(0);
    expect(run(["deploy", "--alias", "x"]).status).toBe(0);
    expect(run(["delete", "--alias", "x"]).stderr).toContain("without --yes");
    rmSync(path.join(dir, ".clever.json"));
    expect(run(["link", "app-pr-1", "--alias", "x"]).status).toBe(0);
    expect(run(["delete", "--alias", "x", "--yes"]).status).toBe(0);
    expect(clever.cloud().apps).toEqual([
      expect.objectContaining({ name: "app-pr-1", type: "node", region: "par", deleted: true, env: { A: "1" }, domains: ["app-pr-1.cleverapps.io"], deployments: [git(dir, "rev-parse", "HEAD")] }),
    ]);
    rmSync(path.join(dir, ".clever.json"));
    expect(run(["link", "app-pr-1", "--alias", "x"]).stderr).toContain("not found"); // deleted
    run(["create", "--type", "node", "twin", "--alias", "t1"]);
    run(["create", "--type", "node", "twin", "--alias", "t2"]);
    rmSync(path.join(dir, ".clever.json"));
    expect(run(["link", "twin"]).stderr).toContain("Several applications are named twin");
    for (const call of clever.calls()) await assertCleverFlagsExist(call.argv);
  });

  test("assertCleverFlagsExist against the real clever-tools help", async () => {
    ensureCleverTools();
    await assertCleverFlagsExist(["deploy", "--alias", "orders", "--force", "--same-commit-policy", "rebuild"]);
    await assertCleverFlagsExist(["deploy", "-a", "orders", "-fq", "-e", "deploy-start", "--no-color"]);
    await assertCleverFlagsExist(["env", "set", "NAME", "VALUE", "--alias", "x"]);
    await assertCleverFlagsExist(["env", "set", "NAME", "VALUE", "--app", "app_1"]);
    await assertCleverFlagsExist(["link", "app_1", "--alias", "x", "--org", "orga_1"]);
    await assertCleverFlagsExist(["create", "--type", "node", "orders", "--region", "par"]);
    await expect(assertCleverFlagsExist(["deploy", "--app", "x"])).rejects.toThrow(/clever deploy: unknown flag\(s\) --app/);
    await expect(assertCleverFlagsExist(["deploy", "--same-commit-policy", "rebuilt"])).rejects.toThrow(/allowed: error, ignore, restart, rebuild/);
    await expect(assertCleverFlagsExist(["env", "set", "NAME", "--alias", "x"])).rejects.toThrow(/missing argument\(s\): variable-value/);
    await expect(assertCleverFlagsExist(["deploys", "--alias", "x"])).rejects.toThrow(/unknown command "deploys"/);
    await expect(assertCleverFlagsExist(["link", "--app", "app_1"])).rejects.toThrow(/unknown flag/);
    // The real CLI agrees (it parses options before any network call).
    const t0 = performance.now();
    const real = await runRealClever(["deploy", "--app", "x"]);
    console.log(`one call of the real clever-tools CLI: ${Math.round(performance.now() - t0)} ms`);
    expect(real.code).toBe(1);
    expect(real.stdout + real.stderr).toContain("Unknown option: app");
  });

  test("the stub's option table matches the real help", async () => {
    for (const [cmd, opts] of Object.entries(STUB_COMMAND_OPTIONS)) {
      const help = parseCleverHelp(await cleverHelp(cmd.split(" ")));
      const real = help.options.map((o) => ({ names: o.names, value: o.value !== undefined, choices: o.choices })).sort((a, b) => a.names.join().localeCompare(b.names.join()));
      const stub = opts.map((o) => ({ names: o.names, value: o.value === true, choices: o.choices })).sort((a, b) => a.names.join().localeCompare(b.names.join()));
      expect(stub, cmd).toEqual(real);
    }
  });
});
