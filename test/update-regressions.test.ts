// The cases measured in issue #11, each a named regression test, run with the built CLI on a throw-away copy of
// this repository (packages/hello is its service): a template change an update once lost or hid, a --check that
// once passed, a file size or a file type that once crashed or read as "deleted by you". Then `--diff`, which shows
// what update, set, remove and rename change, as a plain patch when piped and in color at a terminal.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { ensureCliBuilt, git, makeTempRepo, runCommand, runShipyard, shipyardBin, type TempRepo } from "./support/repo.ts";

let repo: TempRepo;
const read = (path: string) => readFileSync(join(repo.dir, path), "utf8");
const write = (path: string, text: string) => writeFileSync(join(repo.dir, path), text);
const edit = (path: string, from: string, to: string) => {
  const before = read(path);
  expect(before, `${path} holds ${JSON.stringify(from)}`).toContain(from);
  write(path, before.replace(from, to));
};
const shipyard = async (...args: string[]) => {
  const result = await runShipyard(repo.dir, args, { env: { NO_COLOR: undefined, FORCE_COLOR: undefined } });
  return { ...result, output: `${result.stdout}${result.stderr}` };
};
const commitAll = async (message: string) => {
  await git(repo.dir, "add", "--all");
  await git(repo.dir, "commit", "--quiet", "--allow-empty", "--message", message);
};

const TEMPLATE = "templates/service/files";
const WORKFLOW = ".github/workflows/hello.yml";
const DOCKERFILE = "packages/hello/Dockerfile";

beforeAll(() => ensureCliBuilt());
beforeEach(() => {
  repo = makeTempRepo();
});
afterEach(() => repo.remove());

describe("issue #11, each measured case", () => {
  test("a user's comment and a template change of the same comment line (line 3 of a workflow): a conflict, never 'merged' without the template's line", async () => {
    // Line 3 is a comment with no template expression in it: the same text in the template and in the file.
    const line3 = read(WORKFLOW).split("\n")[2] as string;
    expect(line3).toMatch(/^# [^{]*$/);
    edit(WORKFLOW, line3, "# Deploys on pushes to main (our note).");
    edit(`${TEMPLATE}/.github/workflows/__name__.yml`, line3, "# Deploys to Clever Cloud from main, once CI passes.");
    await commitAll("both change line 3");
    const update = await shipyard("update");
    expect(update.code, update.output).toBe(1);
    expect(update.stdout).toMatch(/\.github\/workflows\/hello\.yml +CONFLICT/);
    const text = read(WORKFLOW);
    expect(text).toContain("# Deploys on pushes to main (our note).");
    expect(text).toContain("# Deploys to Clever Cloud from main, once CI passes.");
    expect(text).toMatch(/^<<<<<<< /m);
  });

  test("package.json: the same key added with different values on both sides is a conflict, and no duplicate key is written", async () => {
    edit("packages/hello/package.json", '    "fastify": ', '    "pg": "^8.11.0",\n    "fastify": ');
    edit(`${TEMPLATE}/packages/__name__/package.json`, '    "fastify": ', '    "pg": "^8.16.0",\n    "fastify": ');
    await commitAll("both add pg");
    const update = await shipyard("update");
    expect(update.code, update.output).toBe(1);
    expect(update.stdout).toMatch(/packages\/hello\/package\.json +CONFLICT/);
    const text = read("packages/hello/package.json");
    expect(text).toMatch(/^<<<<<<< /m);
    // Outside the conflict block, "pg" is nowhere: each side's value shows once, inside the markers.
    expect(text.match(/"pg":/g)).toHaveLength(2);
    expect(text.replace(/^<<<<<<< [\s\S]*?^>>>>>>> .*$/gm, "")).not.toContain('"pg"');
  });

  test("update --check fails while a managed file still holds the conflict markers of an earlier update", async () => {
    edit(DOCKERFILE, "USER node", "USER app");
    edit(`${TEMPLATE}/packages/__name__/Dockerfile`, "USER node", "USER 10001");
    await commitAll("both change USER");
    expect((await shipyard("update")).code).toBe(1);
    await commitAll("the conflict, committed as it is");
    const check = await shipyard("update", "--check");
    expect(check.code, check.output).toBe(1);
    expect(check.stdout).toMatch(/packages\/hello\/Dockerfile +CONFLICT unresolved/);
    expect(check.stdout).not.toMatch(/Dockerfile +customized/);
  });

  test("a stale merge base on a fresh clone: update --check fails and names it; after update, --check passes", async () => {
    write(".shipyard/base/tsconfig.base.json.base", `${read(".shipyard/base/tsconfig.base.json.base")}// stale\n`);
    await commitAll("a base that is not what the template renders");
    const clone = `${repo.dir}-clone`;
    execFileSync("git", ["clone", "--quiet", repo.dir, clone]);
    try {
      const check = await runShipyard(clone, ["update", "--check"]);
      expect(check.code, check.stdout + check.stderr).toBe(1);
      expect(check.stdout).toContain(".shipyard/base/tsconfig.base.json.base");
      const update = await runShipyard(clone, ["update"]);
      expect(update.code, update.stdout + update.stderr).toBe(0);
      expect((await runShipyard(clone, ["update", "--check"])).code).toBe(0);
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });

  test("a 140,000-line Dockerfile with a template change: no RangeError in update --check, update and doctor", async () => {
    const lines = Array.from({ length: 140_000 }, (_, index) => `RUN echo line ${index}`).join("\n");
    write(DOCKERFILE, `${read(DOCKERFILE)}${lines}\n`);
    edit(`${TEMPLATE}/packages/__name__/Dockerfile`, "USER node", "USER 10001");
    await commitAll("a very long Dockerfile");
    const check = await shipyard("update", "--check");
    expect(check.stderr).not.toMatch(/RangeError|stack size/);
    expect(check.code, check.output).toBe(1);
    const update = await shipyard("update");
    expect(update.code, update.output).toBe(0);
    expect(update.stdout).toMatch(/packages\/hello\/Dockerfile +merged/);
    expect(read(DOCKERFILE)).toContain("USER 10001\n");
    expect(read(DOCKERFILE)).toContain("RUN echo line 139999\n");
    const doctor = await shipyard("doctor");
    expect(doctor.output).not.toMatch(/RangeError|stack size/);
    expect(doctor.stdout).toMatch(/\d+ errors?, \d+ warnings?\./);
  });

  for (const [what, make] of [
    ["a folder", (path: string) => mkdirSync(path)],
    ["a loop of symbolic links", (path: string) => {
      symlinkSync("Dockerfile.loop", path);
      symlinkSync("Dockerfile", `${path}.loop`);
    }],
  ] as const) {
    test(`${what} where a managed file should be: an error naming the file, never "deleted by you"`, async () => {
      rmSync(join(repo.dir, DOCKERFILE));
      make(join(repo.dir, DOCKERFILE));
      for (const args of [["update", "--check"], ["update"]]) {
        const run = await shipyard(...args);
        expect(run.code, run.output).not.toBe(0);
        expect(run.stderr).toContain(DOCKERFILE);
        expect(run.output).not.toContain("deleted by you");
      }
    });
  }
});

describe("--diff", () => {
  test("update --dry-run --diff: one plain unified diff per file it would change, unchanged files counted, nothing written", async () => {
    edit(`${TEMPLATE}/packages/__name__/Dockerfile`, "USER node", "USER 10001");
    await commitAll("template change");
    const run = await shipyard("update", "--dry-run", "--diff");
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain("--- a/packages/hello/Dockerfile\n+++ b/packages/hello/Dockerfile\n@@ ");
    expect(run.stdout).toContain("\n-USER node\n+USER 10001\n");
    expect(run.stdout.match(/^--- /gm)).toHaveLength(1);
    expect(run.stdout).not.toContain("\x1b[");
    expect(run.stdout).not.toMatch(/ unchanged\n/);
    expect(run.stdout).toMatch(/1 to change, \d+ unchanged, 0 conflicts/);
    expect(await git(repo.dir, "status", "--porcelain")).toBe("");
    // The patch applies: it is what update then writes.
    const patch = run.stdout.slice(run.stdout.indexOf("--- a/"), run.stdout.lastIndexOf("\n\n") + 1);
    await runCommand("git", ["apply", "--check", "-"], repo.dir, { input: patch }).then((apply) => expect(apply.code, apply.stderr).toBe(0));
  });

  test("update --dry-run --diff --json: each file's diff in the JSON", async () => {
    edit(`${TEMPLATE}/packages/__name__/Dockerfile`, "USER node", "USER 10001");
    await commitAll("template change");
    const run = await shipyard("update", "--dry-run", "--diff", "--json");
    expect(run.code, run.output).toBe(0);
    const json = JSON.parse(run.stdout) as { diffs: Array<{ path: string; diff: string }> };
    expect(json.diffs.map((file) => file.path)).toEqual([DOCKERFILE]);
    expect(json.diffs[0]?.diff).toContain("-USER node\n+USER 10001\n");
    const plain = JSON.parse((await shipyard("update", "--dry-run", "--json")).stdout) as { diffs?: unknown };
    expect(plain.diffs).toBeUndefined();
  });

  test("at a terminal the diff is colored, and NO_COLOR turns the color off", async () => {
    edit(`${TEMPLATE}/packages/__name__/Dockerfile`, "USER node", "USER 10001");
    await commitAll("template change");
    // script(1) runs the CLI on a pseudo-terminal, as a person's shell does.
    const atTerminal = (env: Record<string, string | undefined>) =>
      runCommand("script", ["-qec", `${process.execPath} ${shipyardBin} update --dry-run --diff`, "/dev/null"], repo.dir, { env: { TERM: "xterm", ...env } });
    const colored = await atTerminal({ NO_COLOR: undefined });
    expect(colored.stdout).toContain("\x1b[31m-USER node\x1b[39m");
    expect(colored.stdout).toContain("\x1b[32m+USER 10001\x1b[39m");
    const plain = await atTerminal({ NO_COLOR: "1" });
    expect(plain.stdout).toContain("-USER node");
    expect(plain.stdout).not.toContain("\x1b[");
  });

  test("set, remove and rename take --diff too, through the same printer", async () => {
    const set = await shipyard("set", "port=9090", "--in", "hello", "--dry-run", "--diff");
    expect(set.code, set.output).toBe(0);
    expect(set.stdout).toContain("--- a/packages/hello/Dockerfile\n+++ b/packages/hello/Dockerfile\n");
    expect(set.stdout).toMatch(/^-.*8080.*\n(?:-.*\n)*\+.*9090/m);
    const remove = await shipyard("remove", "hello", "--dry-run", "--diff");
    expect(remove.code, remove.output).toBe(0);
    expect(remove.stdout).toContain("--- a/.github/workflows/hello.yml\n+++ /dev/null\n");
    expect(remove.stdout).not.toContain(".shipyard/");
    const rename = await shipyard("rename", "hello", "greeter", "--dry-run", "--diff");
    expect(rename.code, rename.output).toBe(0);
    expect(rename.stdout).toContain("--- a/packages/hello/package.json\n+++ b/packages/greeter/package.json\n");
    expect(rename.stdout).toMatch(/^-\s+"name": "@\w+\/hello",\n\+\s+"name": "@\w+\/greeter",/m);
    expect(await git(repo.dir, "status", "--porcelain")).toBe("");
  });
});
