// Hostile state in a repository (what a malicious pull request could commit, with CI running Shipyard on it):
// records, links and manifests that point outside the repository. Nothing outside may be created, changed,
// deleted or printed; the command says what it refused in one line, exits non-zero, and writes nothing.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type CommandResult, ensureCliBuilt, makeTempRepo, runShipyard, snapshotTree, type TempRepo } from "./support/repo.js";

let repo: TempRepo;
let outside: string;
const SECRET = "root:x:0:0:secret-marker:/root:/bin/bash\n";

beforeAll(() => ensureCliBuilt());
beforeEach(() => {
  repo = makeTempRepo({ git: false });
  outside = mkdtempSync(join(tmpdir(), "shipyard-outside-"));
  writeFileSync(join(outside, "victim"), "precious\n");
  writeFileSync(join(outside, "passwd"), SECRET);
});
afterEach(() => {
  repo.remove();
  rmSync(outside, { recursive: true, force: true });
});

const read = (path: string) => readFileSync(join(repo.dir, path), "utf8");
const write = (path: string, content: string) => writeFileSync(join(repo.dir, path), content);
const editJson = (path: string, change: (value: Record<string, unknown>) => void) => {
  const value = JSON.parse(read(path)) as Record<string, unknown>;
  change(value);
  write(path, `${JSON.stringify(value, null, 2)}\n`);
};
/** `outside` as a path relative to the repository: `../../tmp/shipyard-outside-…`. */
const climb = () => relative(repo.dir, outside);

/** The refusal: non-zero, one line (plus maybe a hint), no stack trace, and nothing written anywhere. */
function expectRefused(result: CommandResult, pattern: RegExp, exitCode = 2) {
  expect(result.code, result.stderr).toBe(exitCode);
  const [first] = result.stderr.split("\n");
  expect(first).toMatch(pattern);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).not.toContain("unexpected error");
}

async function runBoth(args: string[]) {
  const repoBefore = snapshotTree(repo.dir);
  const outsideBefore = snapshotTree(outside);
  const result = await runShipyard(repo.dir, args);
  expect(snapshotTree(outside), "nothing outside the repository changed").toEqual(outsideBefore);
  expect(snapshotTree(repo.dir), "nothing written in the repository").toEqual(repoBefore);
  expect(result.stdout + result.stderr).not.toContain("secret-marker");
  return result;
}

describe("hostile state is refused, and nothing outside the repository is touched", () => {
  it("a unit record whose file key climbs out (../../…/victim): update refuses, the file is not deleted", async () => {
    editJson(".shipyard/units/hello.json", (record) => {
      (record.files as Record<string, string>)[`${climb()}/victim`] = "owned";
    });
    // The template no longer has it, and its "base" equals it: without confinement update would delete it.
    const result = await runBoth(["update"]);
    expectRefused(result, /Refused path "\.\.\/.*victim" from \.shipyard\/units\/hello\.json: it climbs out/);
    expect(readFileSync(join(outside, "victim"), "utf8")).toBe("precious\n");
    expectRefused(await runBoth(["update", "--check"]), /Refused path/);
  });

  it("packages/evil a symbolic link to an outside folder, with a record: update writes nothing there", async () => {
    symlinkSync(outside, join(repo.dir, "packages/evil"), "dir");
    editJson(".shipyard/units/hello.json", () => {});
    const record = JSON.parse(read(".shipyard/units/hello.json")) as { answers: Record<string, unknown>; files: Record<string, string> };
    record.answers.name = "evil";
    record.files = Object.fromEntries(Object.entries(record.files).map(([path, kind]) => [path.replaceAll("hello", "evil"), kind]));
    write(".shipyard/units/evil.json", `${JSON.stringify({ template: "service", ...record }, null, 2)}\n`);
    const result = await runBoth(["update"]);
    expectRefused(result, /Refused path packages\/evil\/\S+ from \.shipyard\/units\/evil\.json: packages\/evil is a symbolic link leading outside the repository/);
  });

  it("a template.json whose `to` climbs out: add and update refuse, naming the manifest", async () => {
    editJson("templates/service/template.json", (manifest) => {
      (manifest.files as Record<string, unknown>)["packages/__name__/Dockerfile"] = { kind: "owned", to: `${climb()}/Dockerfile` };
    });
    expectRefused(await runBoth(["add", "service", "orders", "--yes"]), /Refused path "\.\.\/.*Dockerfile" from templates\/service\/template\.json: it climbs out/);
    expectRefused(await runBoth(["update"]), /Refused path "\.\.\/.*Dockerfile" from templates\/service\/template\.json/);
  });

  it("packages/hello/clever.env a link to a file outside: doctor refuses it and never prints its content", async () => {
    rmSync(join(repo.dir, "packages/hello/clever.env"));
    symlinkSync(join(outside, "passwd"), join(repo.dir, "packages/hello/clever.env"));
    expectRefused(await runBoth(["doctor"]), /Refused path packages\/hello\/clever\.env from \.shipyard\/units\/hello\.json: packages\/hello\/clever\.env is a symbolic link leading outside/);
    expectRefused(await runBoth(["update"]), /Refused path packages\/hello\/clever\.env/);
  });

  it(".shipyard/base a link to an outside folder: update neither reads nor writes the bases there", async () => {
    // The outside folder holds a copy of the bases, so an unconfined update would happily write its new ones there.
    const bases = join(outside, "base");
    mkdirSync(bases);
    const { cpSync } = await import("node:fs");
    cpSync(join(repo.dir, ".shipyard/base"), bases, { recursive: true });
    rmSync(join(repo.dir, ".shipyard/base"), { recursive: true });
    symlinkSync(bases, join(repo.dir, ".shipyard/base"), "dir");
    write("templates/service/files/packages/__name__/Dockerfile", `${read("templates/service/files/packages/__name__/Dockerfile")}# changed\n`);
    expectRefused(await runBoth(["update"]), /Refused path \.shipyard\/base\/\S+ from Shipyard: \.shipyard\/base is a symbolic link leading outside/);
  });

  it('`template: "../../…"` in a record: nothing is rendered from outside the repository', async () => {
    const evil = join(outside, "evil");
    mkdirSync(join(evil, "files"), { recursive: true });
    writeFileSync(join(evil, "template.json"), JSON.stringify({ description: "x", directory: "packages/{{name}}", answers: [{ name: "name", type: "name", message: "n" }], files: { "pwn.txt": "owned" } }));
    writeFileSync(join(evil, "files", "pwn.txt"), "pwned\n");
    editJson(".shipyard/units/hello.json", (record) => {
      record.template = `../${climb()}/evil`;
    });
    const result = await runBoth(["update"]);
    expectRefused(result, /Refused path "\.\.\/.*evil" from \.shipyard\/units\/hello\.json: it climbs out/);
  });

  it("node_modules a link to outside: the lock and staging are refused, nothing is written outside", async () => {
    symlinkSync(outside, join(repo.dir, "node_modules"), "dir");
    expectRefused(await runBoth(["add", "service", "orders", "--yes"]), /Refused path node_modules\/\.cache\/shipyard from the staging folder: node_modules is a symbolic link/);
  });
});
