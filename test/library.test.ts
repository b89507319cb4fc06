// Libraries, end to end: `shipyard add library money`, `shipyard add service shop --uses money` and
// `shipyard use money --in till`, run with the built CLI in a throw-away copy of this repository; then, after
// `npm install`, both services really import the library and `turbo run lint typecheck build test` passes, the library
// built first. Unknown and cyclic uses are refused with a clear message and nothing written.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { ensureCliBuilt, git, makeTempRepo, runCommand, runShipyard, snapshotTree, type TempRepo } from "./support/repo.js";

const stripAnsi = (text: string) => stripVTControlCharacters(text);
const read = (dir: string, path: string) => readFileSync(join(dir, path), "utf8");
const readJson = <T>(dir: string, path: string) => JSON.parse(read(dir, path)) as T;
const scopeOf = (dir: string) => readJson<{ scope: string }>(dir, ".shipyard/config.json").scope;

/** Environment for turbo: no inherited TURBO_* (cache dir, force, remote cache…), no telemetry, no colours. */
const turboEnv = (): Record<string, string | undefined> => ({
  ...Object.fromEntries(Object.keys(process.env).filter((key) => key.startsWith("TURBO_")).map((key) => [key, undefined])),
  TURBO_TELEMETRY_DISABLED: "1",
  DO_NOT_TRACK: "1",
  NO_COLOR: "1",
  FORCE_COLOR: "0",
});


async function shipyard(dir: string, ...args: string[]) {
  const result = await runShipyard(dir, args);
  expect(result.code, `shipyard ${args.join(" ")}\n${result.stdout}${result.stderr}`).toBe(0);
  return result;
}

/**
 * Makes a generated service use @<scope>/<library> for real: a route in src/app.ts that calls formatCents, and a test
 * of that route (so typecheck, build and test all go through the library's built types and code).
 */
function useFormatCentsIn(dir: string, service: string, scope: string): void {
  const appPath = join(dir, "packages", service, "src/app.ts");
  const app = readFileSync(appPath, "utf8");
  const firstImport = 'import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";\n';
  const end = "  return app;\n}\n";
  expect(app, "the seed app.ts this test edits").toContain(firstImport);
  expect(app).toContain(end);
  writeFileSync(
    appPath,
    app
      .replace(firstImport, `import { formatCents } from "@${scope}/money";\n${firstImport}`)
      .replace(
        end,
        [
          `  // Uses the workspace library @${scope}/money.`,
          '  app.get<{ Params: { cents: string } }>("/prices/:cents", async (request, reply) => {',
          "    const cents = Number(request.params.cents);",
          '    if (!Number.isInteger(cents)) return reply.code(400).send({ error: "cents must be a whole number" });',
          "    return { price: formatCents(cents) };",
          "  });",
          "",
          end,
        ].join("\n"),
      ),
  );
  writeFileSync(
    join(dir, "packages", service, "test/prices.test.ts"),
    `import { afterAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";

describe("GET /prices/:cents (formatCents from @${scope}/money)", () => {
  const app = buildApp();
  afterAll(() => app.close());

  it("formats cents as a price", async () => {
    const response = await app.inject({ method: "GET", url: "/prices/1999" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ price: "19.99" });
  });
});
`,
  );
}

beforeAll(() => ensureCliBuilt(), 120_000);

describe("add library money, add service shop --uses money, use money --in till, npm install, turbo", () => {
  let repo: TempRepo;
  let scope: string;

  beforeAll(async () => {
    repo = makeTempRepo();
    scope = scopeOf(repo.dir);
    await shipyard(repo.dir, "add", "library", "money", "--yes");
    await shipyard(repo.dir, "add", "service", "shop", "--uses", "money", "--yes");
    await shipyard(repo.dir, "add", "service", "till", "--yes");
    // `use` re-renders files the user may have edited, so it wants them committed first (as a user would).
    await git(repo.dir, "add", "--all");
    await git(repo.dir, "commit", "--quiet", "--no-verify", "-m", "add money, shop and till");
    const used = await shipyard(repo.dir, "use", "money", "--in", "till");
    expect(used.stdout).toContain("till now uses money");
    useFormatCentsIn(repo.dir, "shop", scope);
    useFormatCentsIn(repo.dir, "till", scope);
    const install = await runCommand("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], repo.dir, { timeoutMs: 600_000 });
    expect(install.code, `npm install\n${install.stderr}`).toBe(0);
  }, 900_000);
  afterAll(() => repo?.remove());

  it("wires the dependency, the workflow path filters and the recorded answer, for --uses and for use", () => {
    for (const service of ["shop", "till"]) {
      const manifest = readJson<{ dependencies?: Record<string, string> }>(repo.dir, `packages/${service}/package.json`);
      expect(manifest.dependencies, `packages/${service}/package.json`).toHaveProperty(`@${scope}/money`);
      const workflow = parseYaml(read(repo.dir, `.github/workflows/${service}.yml`)) as {
        on: { push: { paths: string[] }; pull_request: { paths: string[] } };
      };
      expect(workflow.on.push.paths, `${service}.yml on.push.paths`).toContain("packages/money/**");
      expect(workflow.on.pull_request.paths, `${service}.yml on.pull_request.paths`).toContain("packages/money/**");
      expect(workflow.on.push.paths).toContain(`packages/${service}/**`);
      const unit = readJson<{ answers: { uses?: string[] } }>(repo.dir, `.shipyard/units/${service}.json`);
      expect(unit.answers.uses, `.shipyard/units/${service}.json`).toEqual(["money"]);
    }
    // npm linked the workspace library into node_modules.
    expect(existsSync(join(repo.dir, `node_modules/@${scope}/money/package.json`))).toBe(true);
    // The library itself records no uses, and packages/hello was not touched.
    expect(readJson<{ answers: { uses?: string[] } }>(repo.dir, ".shipyard/units/money.json").answers.uses).toEqual([]);
    expect(read(repo.dir, ".github/workflows/hello.yml")).not.toContain("packages/money/**");
  });

  it("lint, typecheck, build and test pass, the library built before the services that use it", async () => {
    rmSync(join(repo.dir, ".turbo/runs"), { recursive: true, force: true });
    const result = await runCommand(
      join(repo.dir, "node_modules/.bin/turbo"),
      ["run", "lint", "typecheck", "build", "test", "--filter=./packages/*", "--summarize", "--ui=stream", "--log-order=grouped"],
      repo.dir,
      { env: turboEnv(), timeoutMs: 600_000 },
    );
    const output = stripAnsi(result.stdout + result.stderr);
    expect(result.code, output.slice(-8000)).toBe(0);
    for (const pkg of ["money", "shop", "till"]) {
      for (const task of ["lint", "typecheck", "build", "test"]) expect(output, `@${scope}/${pkg}#${task} ran`).toContain(`@${scope}/${pkg}:${task}:`);
    }
    // The route that calls the library was tested in both services.
    expect(output).toMatch(new RegExp(`@${scope}/shop:test:.*prices\\.test\\.ts`));
    expect(output).toMatch(new RegExp(`@${scope}/till:test:.*prices\\.test\\.ts`));

    // Order: the library's build wrote its dist/ before anything that depends on it (typecheck, build, test of a
    // service) began. (A task's endTime in the summary is taken after turbo stored its outputs, a few ms after
    // dependents may start: the last write to dist/ is the moment that matters.)
    const runs = join(repo.dir, ".turbo/runs");
    const [summaryFile] = readdirSync(runs);
    const summary = JSON.parse(readFileSync(join(runs, summaryFile as string), "utf8")) as {
      tasks: Array<{ taskId: string; execution?: { startTime: number; endTime: number } }>;
    };
    const timeOf = (id: string) => {
      const task = summary.tasks.find((t) => t.taskId === id);
      expect(task?.execution, `${id} in the run summary`).toBeDefined();
      return task?.execution as { startTime: number; endTime: number };
    };
    const distFiles = readdirSync(join(repo.dir, "packages/money/dist"), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(distFiles.length).toBeGreaterThan(0);
    const libraryBuilt = Math.floor(Math.max(...distFiles.map((e) => statSync(join(e.parentPath, e.name)).mtimeMs)));
    expect(libraryBuilt).toBeGreaterThanOrEqual(timeOf(`@${scope}/money#build`).startTime);
    for (const service of ["shop", "till"]) {
      for (const task of ["typecheck", "build", "test"]) {
        expect(timeOf(`@${scope}/${service}#${task}`).startTime, `${service}#${task} starts after money's dist/ is written`).toBeGreaterThanOrEqual(libraryBuilt);
      }
    }

    // The compiled service runs against the compiled library (node resolves @scope/money to its dist/).
    const script = `const { buildApp } = await import("./packages/shop/dist/app.js");
const app = buildApp();
const response = await app.inject({ method: "GET", url: "/prices/-250" });
console.log(JSON.stringify(response.json()));
await app.close();`;
    const built = await runCommand(process.execPath, ["--input-type=module", "-e", script], repo.dir);
    expect(built.code, built.stderr).toBe(0);
    expect(JSON.parse(built.stdout)).toEqual({ price: "-2.50" });
  });

  it("turbo prune (the Dockerfile's first stage) keeps the library in the service's build context", async () => {
    const out = mkdtempSync(join(tmpdir(), "shipyard-prune-"));
    try {
      const result = await runCommand(join(repo.dir, "node_modules/.bin/turbo"), ["prune", `@${scope}/shop`, "--docker", `--out-dir=${out}`], repo.dir, {
        env: turboEnv(),
      });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(existsSync(join(out, "json/packages/money/package.json"))).toBe(true);
      expect(existsSync(join(out, "full/packages/money/src/index.ts"))).toBe(true);
      expect(existsSync(join(out, "full/packages/shop/src/app.ts"))).toBe(true);
      expect(existsSync(join(out, "full/packages/hello")), "an unrelated service is pruned away").toBe(false);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe("refused uses: clear message, nothing written", () => {
  let repo: TempRepo;

  beforeAll(async () => {
    repo = makeTempRepo();
    await shipyard(repo.dir, "add", "library", "lib-a", "--yes");
    await shipyard(repo.dir, "add", "library", "lib-b", "--uses", "lib-a", "--yes");
    await git(repo.dir, "add", "--all");
    await git(repo.dir, "commit", "--quiet", "--no-verify", "-m", "lib-b uses lib-a");
  });
  afterAll(() => repo?.remove());

  async function refused(args: string[], message: RegExp): Promise<void> {
    const before = snapshotTree(repo.dir);
    const result = await runShipyard(repo.dir, args);
    const output = result.stdout + result.stderr;
    expect(result.code, `shipyard ${args.join(" ")} must fail\n${output}`).toBe(1);
    expect(result.stderr, `shipyard ${args.join(" ")}`).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at .*\.js:\d+/); // a message, not a stack trace
    expect(snapshotTree(repo.dir), `shipyard ${args.join(" ")} wrote nothing`).toEqual(before);
    expect((await git(repo.dir, "status", "--porcelain")).trim(), "git sees no change").toBe("");
  }

  it("refuses an unknown library, naming it and the libraries there are", async () => {
    await refused(["use", "nope", "--in", "hello"], /"nope" is not a library of this repository[\s\S]*lib-a, lib-b/);
    await refused(["add", "service", "shop", "--uses", "nope", "--yes"], /"nope" is not a library of this repository/);
    await refused(["add", "service", "shop", "--uses", "lib-a,nope", "--yes"], /"nope" is not a library/);
  });

  it("refuses a service where a library is expected, and an unknown package to change", async () => {
    await refused(["use", "hello", "--in", "lib-a"], /"hello" is not a library/);
    await refused(["use", "lib-a", "--in", "nope"], /No package "nope"/);
  });

  it("refuses a cycle, showing it", async () => {
    await refused(["use", "lib-b", "--in", "lib-a"], /dependency cycle: lib-a -> lib-b -> lib-a/);
    await refused(["use", "lib-a", "--in", "lib-a"], /lib-a cannot use itself/);
    await refused(["add", "library", "lib-c", "--uses", "lib-c", "--yes"], /lib-c cannot use itself/);
  });
});
