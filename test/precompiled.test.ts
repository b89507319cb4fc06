// Templates precompiled at build time (generators/src/engine/precompiled.ts) must change nothing but speed: the
// oracle is the same generator with the file removed, which compiles every template at run time. Two copies of
// the built generator, one with dist/precompiled-templates.json and one without, run the same commands for each
// package manager, over answers that reach every template branch; the trees they write must be byte-identical.
// A template the user edited is not in the file: the edit must reach the output (a stale file is only slower).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CommandOptions, ensureCliBuilt, repoRoot, runCommand, snapshotTree } from "./support/repo.js";

const PRECOMPILED = "generators/dist/precompiled-templates.json";
const MANAGERS = ["npm", "pnpm", "yarn", "bun"] as const;

let work: string;
/** A copy of the built generator and its templates: `generators/dist/cli/*.js` of it run as a user's would. */
function generatorCopy(name: string, precompiled: boolean): string {
  const dir = join(work, name);
  cpSync(join(repoRoot, "generators/dist"), join(dir, "generators/dist"), { recursive: true });
  cpSync(join(repoRoot, "generators/package.json"), join(dir, "generators/package.json"));
  cpSync(join(repoRoot, "templates"), join(dir, "templates"), { recursive: true });
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "generators/node_modules"), "dir");
  if (!precompiled) rmSync(join(dir, PRECOMPILED));
  return dir;
}

type Tool = (cwd: string, bin: "create-shipyard" | "shipyard", args: string[], options?: CommandOptions) => ReturnType<typeof runCommand>;
const toolOf =
  (copy: string): Tool =>
  (cwd, bin, args, options) =>
    runCommand(process.execPath, [join(copy, `generators/dist/cli/${bin}.js`), ...args], cwd, options);

/** The same commands, through one copy: a repository per manager, services and a library over every answer. */
async function scaffold(tool: Tool, cwd: string, manager: string): Promise<string> {
  mkdirSync(cwd, { recursive: true });
  const created = await tool(cwd, "create-shipyard", [manager, "--yes", "--no-install", "--no-git", "--package-manager", manager, "--scope", "acme"]);
  expect(created.code, created.stderr).toBe(0);
  const dir = join(cwd, manager);
  for (const args of [
    ["add", "library", "money", "--yes"],
    ["add", "service", "ledger", "--database", "postgres", "--runtime", "docker", "--node", "22", "--port", "3000", "--uses", "money", "--yes"],
    ["set", "node=26", "--in", "api"],
  ]) {
    const step = await tool(dir, "shipyard", args);
    expect(step.code, `${args.join(" ")}: ${step.stderr}`).toBe(0);
  }
  return dir;
}

beforeAll(() => {
  ensureCliBuilt();
  work = mkdtempSync(join(tmpdir(), "shipyard-precompiled-"));
}, 120_000);
afterAll(() => {
  if (process.env.SHIPYARD_KEEP_TMP !== "1") rmSync(work, { recursive: true, force: true });
});

describe("templates precompiled by the build", () => {
  it("the build precompiles every template file that holds a mustache", () => {
    const file = JSON.parse(readFileSync(join(repoRoot, PRECOMPILED), "utf8")) as { handlebars: string; templates: Array<[string, string]> };
    const texts = new Set(file.templates.map(([text]) => text));
    const withMustache: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (readFileSync(path, "utf8").includes("{{")) withMustache.push(path);
      }
    };
    for (const template of ["monorepo", "service", "library"]) walk(join(repoRoot, "templates", template, "files"));
    expect(withMustache.length).toBeGreaterThan(10);
    expect(withMustache.filter((path) => !texts.has(readFileSync(path, "utf8")))).toEqual([]);
    console.log(`precompiled: ${file.templates.length} templates (handlebars ${file.handlebars})`);
  });

  it("and every manifest and package-manager string that holds one: a run on shipped templates never needs the compiler", () => {
    const file = JSON.parse(readFileSync(join(repoRoot, PRECOMPILED), "utf8")) as { templates: Array<[string, string]> };
    const texts = new Set(file.templates.map(([text]) => text));
    // Each string value with a mustache, except `$comment`s, which are documentation and never rendered.
    const withMustache: string[] = [];
    const collect = (value: unknown, key: string) => {
      if (typeof value === "string" && value.includes("{{") && key !== "$comment") withMustache.push(value);
      else if (value && typeof value === "object") for (const [inner, item] of Object.entries(value)) collect(item, inner);
    };
    const manifests = [...["monorepo", "service", "library"].map((name) => `${name}/template.json`), "package-managers.json"];
    for (const path of manifests) collect(JSON.parse(readFileSync(join(repoRoot, "templates", path), "utf8")), "");
    expect(withMustache).toEqual(expect.arrayContaining(["packages/{{name}}", "npm@{{versions.npm}}"]));
    expect(withMustache.filter((text) => !texts.has(text))).toEqual([]);
  });

  it.each(MANAGERS)("%s: create, add library, add service (postgres, docker, node 22), set node: the same bytes as compiling at run time", async (manager) => {
    const cwd = join(work, `run-${manager}`);
    const precompiled = await scaffold(toolOf(generatorCopy(`with-${manager}`, true)), join(cwd, "with"), manager);
    const compiled = await scaffold(toolOf(generatorCopy(`without-${manager}`, false)), join(cwd, "without"), manager);
    // The repository made by the copy with the file carries it (create copies generators/dist): only it differs.
    expect(existsSync(join(precompiled, PRECOMPILED))).toBe(true);
    const { [PRECOMPILED]: carried, ...withFile } = snapshotTree(precompiled);
    expect(carried).toBeDefined();
    const withoutFile = snapshotTree(compiled);
    expect(Object.keys(withFile).length).toBeGreaterThan(100);
    expect(withFile).toEqual(withoutFile);
  });

  it("the file is what the render uses: a spec swapped for another text's changes the output", async () => {
    const copy = generatorCopy("swapped", true);
    const path = join(copy, PRECOMPILED);
    const file = JSON.parse(readFileSync(path, "utf8")) as { templates: Array<[string, string]> };
    const readme = readFileSync(join(copy, "templates/monorepo/files/README.md"), "utf8");
    const nvmrc = readFileSync(join(copy, "templates/monorepo/files/.nvmrc"), "utf8");
    const specOf = (text: string) => file.templates.find(([candidate]) => candidate === text)?.[1] as string;
    expect(specOf(readme)).toBeDefined();
    expect(specOf(nvmrc)).toBeDefined();
    file.templates = file.templates.map(([text, spec]) => [text, text === readme ? specOf(nvmrc) : spec]);
    writeFileSync(path, JSON.stringify(file));
    const cwd = join(work, "swapped-run");
    mkdirSync(cwd);
    const created = await toolOf(copy)(cwd, "create-shipyard", ["repo", "--yes", "--no-install", "--no-git", "--no-service"]);
    expect(created.code, created.stderr).toBe(0);
    expect(readFileSync(join(cwd, "repo/README.md"), "utf8")).toBe(readFileSync(join(cwd, "repo/.nvmrc"), "utf8"));
  });

  it("a template the user edited is compiled from their text, not taken from the file", async () => {
    const tool = toolOf(generatorCopy("edited", true));
    const cwd = join(work, "edited-run");
    const created = await tool(join(cwd, ".."), "create-shipyard", ["edited-run", "--yes", "--no-install", "--no-git", "--no-service"]);
    expect(created.code, created.stderr).toBe(0);
    const source = join(cwd, "templates/service/files/packages/__name__/src/server.ts");
    const text = readFileSync(source, "utf8");
    expect(text).toContain("{{");
    writeFileSync(source, `// {{name}}: edited in this repository's templates/\n${text}`);
    const added = await tool(cwd, "shipyard", ["add", "service", "orders", "--yes"]);
    expect(added.code, added.stderr).toBe(0);
    expect(readFileSync(join(cwd, "packages/orders/src/server.ts"), "utf8")).toMatch(/^\/\/ orders: edited in this repository's templates\/\n/);
  });
});
