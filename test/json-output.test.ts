// One printer (issue #10, done-when 5): add, create, update, use and upgrade all take --dry-run and --json, and
// their JSON follows one schema, CHANGE_SET_SCHEMA of generators/src/cli/report.ts: the definition the printer
// documents is the one checked here, with a JSON Schema validator (ajv). A dry run writes nothing: the tree is
// hashed file by file before and after each one.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHANGE_SET_SCHEMA, OUTCOMES } from "../generators/src/cli/report.js";
import { diffTrees, ensureCliBuilt, makeTempRepo, repoRoot, runCommand, runShipyard, snapshotTree, type TempRepo } from "./support/repo.js";

const createBin = join(repoRoot, "generators/dist/cli/create-shipyard.js");
const validate = new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).compile(CHANGE_SET_SCHEMA);

/** Parses a command's stdout and checks it against the schema, and that its counts are those of its changes. */
function checked(stdout: string, command: string): { changes: Array<{ path: string; outcome: string }>; [key: string]: unknown } {
  const json = JSON.parse(stdout);
  expect(validate(json), `${command} --json does not follow the schema: ${JSON.stringify(validate.errors, null, 2)}`).toBe(true);
  expect(json.command).toBe(command);
  const counts: Record<string, number> = {};
  for (const change of json.changes) counts[change.outcome] = (counts[change.outcome] ?? 0) + 1;
  expect(json.counts, `${command}: counts are those of its changes`).toEqual(counts);
  return json;
}

let repo: TempRepo;
beforeAll(async () => {
  ensureCliBuilt();
  repo = makeTempRepo();
  // Something for each command to plan: a library to use, and a template change for update.
  const added = await runShipyard(repo.dir, ["add", "library", "money", "--yes", "--json"]);
  expect(added.code, added.stderr).toBe(0);
  expect(checked(added.stdout, "add")).toMatchObject({ dryRun: false, written: true });
  const dockerfile = join(repo.dir, "templates/service/files/packages/__name__/Dockerfile");
  writeFileSync(dockerfile, `${readFileSync(dockerfile, "utf8")}# a template change\n`);
});
afterAll(() => repo?.remove());

describe("--dry-run --json: one schema for every command that changes files, and nothing written", () => {
  const cases: Array<{ command: string; args: string[]; expect: (json: ReturnType<typeof checked>) => void }> = [
    {
      command: "add",
      args: ["add", "service", "orders", "--yes"],
      expect: (json) => expect(json.changes).toContainEqual({ path: "packages/orders/package.json", unit: "orders", kind: "merged", outcome: "created" }),
    },
    {
      command: "update",
      args: ["update"],
      expect: (json) => expect(json.changes).toContainEqual({ path: "packages/hello/Dockerfile", unit: "hello", kind: "merged", outcome: "updated" }),
    },
    {
      command: "use",
      args: ["use", "money", "--in", "hello"],
      expect: (json) => expect(json.changes).toContainEqual({ path: "packages/hello/package.json", unit: "hello", kind: "merged", outcome: "updated" }),
    },
    {
      // This checkout as the newer Shipyard: its templates/ lacks the template change, which comes back as a copy.
      command: "upgrade",
      args: ["upgrade", "--from", repoRoot],
      expect: (json) => expect(json.changes).toContainEqual({ path: "templates/service/files/packages/__name__/Dockerfile", outcome: "copied" }),
    },
  ];
  for (const { command, args, expect: expectations } of cases) {
    it(`shipyard ${args.join(" ").replace(repoRoot, "<this checkout>")} --dry-run --json`, async () => {
      const before = snapshotTree(repo.dir);
      const result = await runShipyard(repo.dir, [...args, "--dry-run", "--json"]);
      expect(result.code, result.stderr).toBe(0);
      const json = checked(result.stdout, command);
      expect(json).toMatchObject({ dryRun: true, written: false });
      expectations(json);
      expect(diffTrees(before, snapshotTree(repo.dir)), "a dry run writes nothing").toEqual({ added: [], removed: [], changed: [] });
      expect(existsSync(join(repo.dir, "node_modules")), "nor a lock or staging folder").toBe(false);
    });
  }

  it("create-shipyard my-platform --yes --dry-run --json", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "shipyard-json-"));
    try {
      const result = await runCommand(process.execPath, [createBin, "my-platform", "--yes", "--dry-run", "--json"], cwd);
      expect(result.code, result.stderr).toBe(0);
      const json = checked(result.stdout, "create");
      expect(json).toMatchObject({ dryRun: true, written: false });
      expect(json.changes).toContainEqual({ path: "package.json", unit: "_monorepo", kind: "merged", outcome: "created" });
      expect(json.changes).toContainEqual({ path: "packages/api/package.json", unit: "api", kind: "merged", outcome: "created" });
      expect(json.changes).toContainEqual({ path: "generators/package.json", outcome: "copied" });
      expect(snapshotTree(cwd), "a dry run writes nothing").toEqual({});
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it("the schema refuses what the commands must not print", () => {
    const good = { command: "add", dryRun: true, written: false, changes: [{ path: "a", unit: "a", kind: "seed", outcome: "created" }], counts: { created: 1 } };
    expect(validate(good)).toBe(true);
    const bad = [
      { ...good, changes: [{ path: "a", unit: "a", kind: "service", outcome: "created" }] }, // a template's name as a file's kind
      { ...good, changes: [{ file: "a", outcome: "created" }] }, // another key for the path
      { ...good, changes: [{ path: "a", outcome: "would create" }] }, // an outcome of its own
      { ...good, written: true }, // a dry run that wrote
      { ...good, counts: { created: 0 } },
      { ...good, command: "doctor" },
      { command: "add", dryRun: true, written: false, files: [] },
    ];
    for (const json of bad) expect(validate(json), JSON.stringify(json)).toBe(false);
    expect(OUTCOMES).toContain("copied");
  });
});
