// Broken or hostile state, manifests and recorded answers: every command that reads them refuses with one line
// naming the file and what is wrong in it, exit code 2 (bad input), no stack trace, and writes nothing. The files
// are checked by schemas (valibot) when read, so each case below is a shape the schema refuses, not a crash.
import { createHash } from "node:crypto";
import { cpSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { add } from "../src/commands/add.js";
import { doctor } from "../src/commands/doctor.js";
import { update } from "../src/commands/update.js";
import { listAddableTemplates } from "../src/engine/template.js";
import { exitCodeOf, ShipyardError } from "../src/errors.js";
import { type Fixture, makeFixture } from "./fixture.js";

let fixture: Fixture;
beforeAll(async () => {
  fixture = await makeFixture(["orders"]);
});
afterAll(() => fixture.dispose());
afterEach(() => {
  fixture.git("reset", "-q", "--hard");
  fixture.git("clean", "-qfd", "-e", "node_modules");
});

/** Every file of the fixture with its content's hash, less .git and the lock an in-process command holds until exit. */
function snapshot(dir = fixture.root, prefix = ""): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${prefix}${entry.name}`;
    if (path === ".git" || path === "node_modules") continue;
    if (entry.isDirectory()) Object.assign(files, snapshot(join(dir, entry.name), `${path}/`), { [`${path}/`]: "dir" });
    else
      files[path] = createHash("sha256")
        .update(readFileSync(join(dir, entry.name)))
        .digest("hex");
  }
  return files;
}

/** Sets (or, with undefined, deletes) the value at `keys` in a JSON file. */
function setIn(path: string, keys: Array<string | number>, value: unknown) {
  const root = JSON.parse(fixture.read(path)) as Record<string | number, unknown>;
  let parent = root;
  for (const key of keys.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = keys.at(-1) as string | number;
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  fixture.write(path, `${JSON.stringify(root, null, 2)}\n`);
}

const commands = {
  update: () => update({ cwd: fixture.root, dryRun: false, check: false, allowDirty: true, restore: [] }),
  add: () => add({ cwd: fixture.root, template: "service", given: { name: "billing" }, yes: true, interactive: false, dryRun: false }),
  doctor: () => doctor(fixture.root),
};

/** Runs each command on the broken repository: each refuses with the same kind of one-line error; nothing written. */
async function expectRefused(names: Array<keyof typeof commands>, file: string, what: RegExp) {
  const before = snapshot();
  for (const name of names) {
    let caught: unknown;
    try {
      await commands[name]();
    } catch (error) {
      caught = error;
    }
    expect(caught, `${name} must refuse`).toBeInstanceOf(ShipyardError);
    const error = caught as ShipyardError;
    expect(exitCodeOf(error.code), `${name}: ${error.code} ${error.message}`).toBe(2);
    expect(error.message, name).not.toContain("\n");
    expect(error.message.startsWith(file), `${name}: "${error.message}" names ${file} first`).toBe(true);
    expect(error.message, name).toMatch(what);
    expect(snapshot(), `${name} wrote nothing`).toEqual(before);
  }
}

const RECORD = ".shipyard/units/orders.json";
const CONFIG = ".shipyard/config.json";
const MANIFEST = "templates/service/template.json";

describe("broken repository config (.shipyard/config.json)", () => {
  it.each([
    ["not JSON", "{ scope: acme", /not valid JSON/],
    ["null", "null", /expected Object, got null/],
    ["{} (today it would generate @/zz)", "{}", /shipyard is missing/],
    ["a scope npm refuses", JSON.stringify({ shipyard: "0.1.0", scope: "Acme Corp", migrations: [] }), /scope must be an npm scope/],
    ["migrations null", JSON.stringify({ shipyard: "0.1.0", scope: "acme", migrations: null }), /migrations: expected Array, got null/],
    ["a version that is not one", JSON.stringify({ shipyard: "latest", scope: "acme", migrations: [] }), /shipyard must be a version/],
  ])("%s", async (_case, content, what) => {
    fixture.write(CONFIG, content);
    await expectRefused(["update", "add", "doctor"], CONFIG, what);
  });
});

describe("broken unit records (.shipyard/units/<id>.json)", () => {
  // A value the template refuses is only known once the template is loaded (update; doctor reports it as a check).
  const ALL = ["update", "add", "doctor"];
  it.each([
    ["not JSON", () => fixture.write(RECORD, '{"template": "service",'), /not valid JSON/, ALL],
    ["null", () => fixture.write(RECORD, "null"), /expected Object, got null/, ALL],
    ["answers null", () => setIn(RECORD, ["answers"], null), /answers must be an object, got null/, ALL],
    ["files null", () => setIn(RECORD, ["files"], null), /files must be an object, got null/, ALL],
    ["answers a list", () => setIn(RECORD, ["answers"], ["orders"]), /answers must be an object, got Array/, ALL],
    [
      "a file of an unknown kind",
      () => setIn(RECORD, ["files", "packages/orders/Dockerfile"], "mine"),
      /files\["packages\/orders\/Dockerfile"\]: expected/,
      ALL,
    ],
    [
      "a template templates/ does not have",
      () => setIn(RECORD, ["template"], "worker"),
      /names the template "worker", which templates\/ does not have/,
      ALL,
    ],
    ["template not a folder name", () => setIn(RECORD, ["template"], "Service!"), /template must be a template's folder name/, ALL],
    ["an answer of a wrong type", () => setIn(RECORD, ["answers", "port"], { value: 8080 }), /answers\.port: expected/, ALL],
    ["a dashed answer name", () => setIn(RECORD, ["answers", "dry-run"], "x"), /answers\["dry-run"\] is not an answer name/, ALL],
    [
      "a name holding a lone surrogate",
      () => fixture.write(RECORD, fixture.read(RECORD).replace('"name": "orders"', '"name": "\\ud800"')),
      /answers\.name holds a lone surrogate/,
      ALL,
    ],
    [
      "a name that is not the file's",
      () => setIn(RECORD, ["answers", "name"], "billing"),
      /answers\.name is "billing", but the file names the package "orders"/,
      ALL,
    ],
    ["a port the template refuses", () => setIn(RECORD, ["answers", "port"], "abc"), /answers\.port "abc": a port is a whole number/, ["update"]],
    [
      "a choice the template does not offer",
      () => setIn(RECORD, ["answers", "runtime"], "python"),
      /answers\.runtime "python": choose one of node, docker/,
      ["update"],
    ],
  ])("%s", async (_case, breakIt, what, names) => {
    breakIt();
    await expectRefused(names as Array<keyof typeof commands>, RECORD, what as RegExp);
  });

  it("a record whose file name is not a package name (reserved, or npm refuses it)", async () => {
    for (const id of ["templates", "Orders"]) {
      fixture.write(`.shipyard/units/${id}.json`, fixture.read(RECORD).replaceAll('"orders"', JSON.stringify(id)));
      await expectRefused(["update", "add", "doctor"], `.shipyard/units/${id}.json`, /is not a package name/);
      rmSync(join(fixture.root, `.shipyard/units/${id}.json`));
    }
  });
});

describe("broken template manifests (templates/<kind>/template.json) and templates/versions.json", () => {
  it.each([
    ["not JSON", () => fixture.write(MANIFEST, '{"description": '), /not valid JSON/],
    ["files null", () => setIn(MANIFEST, ["files"], null), /files must be an object, got null/],
    ["answers null", () => setIn(MANIFEST, ["answers"], null), /answers: expected Array, got null/],
    [
      "a dashed answer name (it would lose its flag)",
      () => setIn(MANIFEST, ["answers", 2, "name"], "http-port"),
      /answers\.2\.name must be a letter then letters and digits/,
    ],
    ["a misspelt key", () => setIn(MANIFEST, ["answers", 0, "requird"], true), /answers\.0\.requird is not a known key/],
    ["an unknown answer type", () => setIn(MANIFEST, ["answers", 1, "type"], "colour"), /answers\.1\.type: expected/],
    ["a choice without choices", () => setIn(MANIFEST, ["answers", 3, "choices"], undefined), /answers\.3\.choices is missing/],
    ["one answer twice", () => setIn(MANIFEST, ["answers", 6], JSON.parse(fixture.read(MANIFEST)).answers[1]), /answers names one answer twice/],
    [
      "a file of an unknown kind",
      () => setIn(MANIFEST, ["files", "packages/__name__/Dockerfile"], "generated"),
      /files\["packages\/__name__\/Dockerfile"\]: expected/,
    ],
    [
      "a deploy variable that is not one",
      () => setIn(MANIFEST, ["deploy", "appVariable"], "app id {{name}}"),
      /deploy\.appVariable must be an upper-case variable name/,
    ],
  ])("%s", async (_case, breakIt, what) => {
    breakIt();
    await expectRefused(["add", "update", "doctor"], MANIFEST, what);
  });

  it("a template folder whose name cannot be a command or a record's template: every command's list of templates refuses it", () => {
    cpSync(join(fixture.root, "templates/library"), join(fixture.root, "templates/My_Library"), { recursive: true });
    let caught: unknown;
    try {
      listAddableTemplates(join(fixture.root, "templates"));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ShipyardError);
    expect(exitCodeOf((caught as ShipyardError).code)).toBe(2);
    expect((caught as ShipyardError).message).toBe(
      "templates/My_Library/ is not a template name: lowercase letters, digits and dashes, starting with a letter.",
    );
  });

  it.each([
    ["not JSON", "{", /not valid JSON/],
    [
      "a version that is not exact (pasted into package.json and YAML as is)",
      JSON.stringify({ typescript: '7.0.2", "evil": "1' }),
      /typescript must be an exact version/,
    ],
    ["a name templates cannot use", JSON.stringify({ "type-script": "7.0.2" }), /has a name that is not letters and digits/],
  ])("versions.json %s", async (_case, content, what) => {
    fixture.write("templates/versions.json", content);
    await expectRefused(["add", "update"], "templates/versions.json", what);
  });
});

describe("a truncated journal left by a killed command", () => {
  it("is one line naming it and the fix, exit 2, nothing rolled back or written", async () => {
    // A dead owner (a pid no process has on this host) and a journal cut off half way through its first entry.
    const folder = "node_modules/.cache/shipyard/tx-killed";
    fixture.write(
      `${folder}/owner.json`,
      JSON.stringify({ pid: 2 ** 22 + 17, host: hostname(), command: "update", started: new Date().toISOString() }),
    );
    fixture.write(`${folder}/journal.json`, '{"pid":1,"entries":[{"target":"packages/ord');
    const before = snapshot();
    const caught = await Promise.resolve()
      .then(() => commands.update())
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(caught).toBeInstanceOf(ShipyardError);
    const problem = caught as ShipyardError;
    expect(problem.code).toBe("BROKEN_STATE");
    expect(exitCodeOf(problem.code)).toBe(2);
    expect(problem.message).toMatch(
      /^node_modules\/\.cache\/shipyard\/tx-killed\/journal\.json is damaged \(.+\): an interrupted command cannot be rolled back automatically\.$/,
    );
    expect(problem.message).not.toContain("\n");
    expect(snapshot()).toEqual(before);
    rmSync(join(fixture.root, folder), { recursive: true, force: true });
  });
});
