import { existsSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { update } from "../src/commands/update.js";
import { ShipyardError } from "../src/errors.js";
import { type Fixture, makeFixture } from "./fixture.js";

/*
 * `shipyard update` scenarios on a small repository: the real service template, one generated service, committed.
 * Each test changes the template and/or the user's files, then looks at what the update did.
 */
let fixture: Fixture;
let root: string;
const read = (path: string) => fixture.read(path);
const write = (path: string, content: string) => fixture.write(path, content);
const git = (...args: string[]) => fixture.git(...args);
const commitAll = () => fixture.commitAll();
const edit = (path: string, from: string | RegExp, to: string) => {
  const before = read(path);
  const after = before.replace(from, to);
  expect(after, `edit of ${path} must change it`).not.toBe(before);
  write(path, after);
};
const run = (options: Partial<Parameters<typeof update>[0]> = {}) =>
  update({ cwd: root, dryRun: false, check: false, allowDirty: false, restore: [], ...options });
const outcomeOf = (result: ReturnType<typeof update>, path: string) => result.changes.find((file) => file.path === path)?.outcome;

const TEMPLATE = "templates/service/files";
const DOCKERFILE = "packages/orders/Dockerfile";
const PACKAGE = "packages/orders/package.json";
const WORKFLOW = ".github/workflows/orders.yml";

beforeEach(async () => {
  fixture = await makeFixture(["orders"]);
  root = fixture.root;
});
afterEach(() => fixture.dispose());

describe("shipyard update", () => {
  it("does nothing when templates and files agree", () => {
    const result = run({ check: true });
    expect(result.pending).toEqual([]);
    expect(result.changes.every((file) => file.outcome === "unchanged")).toBe(true);
  });

  it("brings a template change into a file nobody edited, exactly", () => {
    edit(`${TEMPLATE}/packages/__name__/Dockerfile`, "USER node", "RUN echo hardened\nUSER node");
    commitAll();
    expect(run({ check: true }).pending.map((file) => file.path)).toEqual([DOCKERFILE]);
    const result = run();
    expect(outcomeOf(result, DOCKERFILE)).toBe("updated");
    expect(read(DOCKERFILE)).toContain("RUN echo hardened\nUSER node");
    expect(run({ check: true }).pending).toEqual([]);
  });

  it("merges a template change with a user edit elsewhere in the same file, keeping both", () => {
    edit(`${TEMPLATE}/packages/__name__/Dockerfile`, "USER node", "RUN echo hardened\nUSER node");
    edit(DOCKERFILE, "FROM base AS build\n", "FROM base AS build\nRUN apt-get update && apt-get install -y --no-install-recommends git\n");
    commitAll();
    const result = run();
    expect(outcomeOf(result, DOCKERFILE)).toBe("merged");
    expect(read(DOCKERFILE)).toContain("RUN echo hardened\nUSER node");
    expect(read(DOCKERFILE)).toContain("apt-get install -y --no-install-recommends git");
  });

  it("marks a conflict when both changed the same lines, exits non-zero, and loses nothing else", () => {
    edit(`${TEMPLATE}/packages/__name__/Dockerfile`, "USER node", "USER 10001");
    edit(DOCKERFILE, "USER node", "USER app");
    edit(PACKAGE, /"fastify": "[^"]+"/, '$&,\n    "zod": "^4.0.0"');
    edit("templates/versions.json", /"vitest": "[^"]+"/, '"vitest": "4.2.0"');
    commitAll();
    const result = run();
    expect(result.conflicts.map((file) => file.path)).toEqual([DOCKERFILE]);
    const dockerfile = read(DOCKERFILE);
    expect(dockerfile).toMatch(/<<<<<<< yours \(packages\/orders\/Dockerfile\)\nUSER app\n=======\nUSER 10001\n>>>>>>> template/);
    expect(dockerfile).toContain("COPY --from=build /repo/packages ./packages");
    const manifest = JSON.parse(read(PACKAGE));
    expect(manifest.dependencies.zod).toBe("^4.0.0");
    expect(manifest.devDependencies.vitest).toBe("^4.2.0");
  });

  it("keeps a user's added dependency when the template changes other keys of package.json", () => {
    edit(PACKAGE, /"fastify": "[^"]+"/, '$&,\n    "pg": "^8.0.0"');
    edit("templates/versions.json", /"fastify": "[^"]+"/, '"fastify": "5.7.0"');
    edit(`${TEMPLATE}/packages/__name__/package.json`, '"test": "vitest run"', '"test": "vitest run --coverage.enabled=false"');
    commitAll();
    const result = run();
    expect(outcomeOf(result, PACKAGE)).toBe("merged");
    const manifest = JSON.parse(read(PACKAGE));
    expect(manifest.dependencies).toEqual({
      "@fastify/type-provider-typebox": expect.any(String),
      fastify: "^5.7.0",
      pg: "^8.0.0",
      typebox: expect.any(String),
    });
    expect(manifest.scripts.test).toBe("vitest run --coverage.enabled=false");
  });

  it("keeps a user's added workflow step when the template adds another one elsewhere", () => {
    edit(WORKFLOW, "      - name: Install dependencies\n", "      - name: Say hello\n        run: echo hello\n      - name: Install dependencies\n");
    edit(`${TEMPLATE}/.github/workflows/__name__.yml`, "timeout-minutes: 30", "timeout-minutes: 25");
    edit(
      `${TEMPLATE}/.github/workflows/__name__.yml`,
      "      - name: Deploy\n",
      "      - name: Show the app\n        if: steps.settings.outputs.ready == 'true'\n        run: clever status --alias {{name}}\n      - name: Deploy\n",
    );
    commitAll();
    const result = run();
    expect(outcomeOf(result, WORKFLOW)).toBe("merged");
    const workflow = parseYaml(read(WORKFLOW));
    const ciSteps = workflow.jobs.ci.steps.map((step: { name?: string }) => step.name);
    const deploySteps = workflow.jobs.staging.steps.map((step: { name?: string }) => step.name);
    expect(ciSteps).toContain("Say hello");
    expect(deploySteps).toContain("Show the app");
    expect(workflow.jobs.staging["timeout-minutes"]).toBe(25);
  });

  it("leaves a file the user deleted deleted, and --restore brings it back", () => {
    unlinkSync(join(root, DOCKERFILE));
    edit(`${TEMPLATE}/packages/__name__/Dockerfile`, "USER node", "RUN echo hardened\nUSER node");
    commitAll();
    const result = run();
    expect(outcomeOf(result, DOCKERFILE)).toBe("deleted");
    expect(existsSync(join(root, DOCKERFILE))).toBe(false);
    const restored = run({ restore: [DOCKERFILE] });
    expect(outcomeOf(restored, DOCKERFILE)).toBe("restored");
    expect(read(DOCKERFILE)).toContain("RUN echo hardened");
  });

  it("reports an edited owned file as customized, keeps it, and fails --check", () => {
    edit("packages/orders/tsconfig.json", '"noEmit": true', '"noEmit": true,\n    "strict": false');
    commitAll();
    const check = run({ check: true });
    expect(check.pending.map((file) => `${file.path}:${file.outcome}`)).toEqual(["packages/orders/tsconfig.json:customized"]);
    run();
    expect(read("packages/orders/tsconfig.json")).toContain('"strict": false');
  });

  it("never touches seed files (sources, tests, README), even when the template changes them", () => {
    edit(`${TEMPLATE}/packages/__name__/src/app.ts`, 'status: "ok"', 'status: "fine"');
    edit("packages/orders/src/app.ts", "// Clever Cloud (CC_HEALTH_CHECK_PATH)", "// My route");
    commitAll();
    const before = read("packages/orders/src/app.ts");
    const result = run();
    expect(outcomeOf(result, "packages/orders/src/app.ts")).toBe("unchanged");
    expect(read("packages/orders/src/app.ts")).toBe(before);
  });

  it("refuses to change a file with uncommitted changes, names it, and writes nothing", () => {
    edit(`${TEMPLATE}/packages/__name__/Dockerfile`, "USER node", "RUN echo hardened\nUSER node");
    commitAll();
    edit(DOCKERFILE, "FROM base AS build\n", "FROM base AS build\n# work in progress\n");
    write("packages/orders/src/notes.ts", "// unrelated work in progress does not block the update\n");
    const before = read(DOCKERFILE);
    expect(() => run()).toThrowError(expect.objectContaining({ code: "DIRTY_FILES", message: expect.stringContaining(DOCKERFILE) }));
    expect(read(DOCKERFILE)).toBe(before);
    expect(outcomeOf(run({ allowDirty: true }), DOCKERFILE)).toBe("merged");
  });

  it("--dry-run writes nothing", () => {
    edit(`${TEMPLATE}/packages/__name__/Dockerfile`, "USER node", "RUN echo hardened\nUSER node");
    commitAll();
    const result = run({ dryRun: true });
    expect(outcomeOf(result, DOCKERFILE)).toBe("updated");
    expect(result.written).toBe(false);
    expect(git("status", "--porcelain")).toBe("");
  });

  it("creates a file added to the template, and removes one the template dropped if the user never edited it", () => {
    write(`${TEMPLATE}/packages/__name__/.npmrc`, "engine-strict=true\n");
    const manifest = JSON.parse(read("templates/service/template.json"));
    manifest.files["packages/__name__/.npmrc"] = "owned";
    delete manifest.files["packages/__name__/tsconfig.build.json"];
    unlinkSync(join(root, `${TEMPLATE}/packages/__name__/tsconfig.build.json`));
    write("templates/service/template.json", JSON.stringify(manifest, null, 2));
    commitAll();
    const result = run();
    expect(outcomeOf(result, "packages/orders/.npmrc")).toBe("created");
    expect(outcomeOf(result, "packages/orders/tsconfig.build.json")).toBe("removed");
    expect(existsSync(join(root, "packages/orders/tsconfig.build.json"))).toBe(false);
    expect(read("packages/orders/.npmrc")).toBe("engine-strict=true\n");
  });

  it("names the record when a recorded answer is no longer valid for the template", () => {
    const manifest = JSON.parse(read("templates/service/template.json"));
    manifest.answers.find((answer: { name: string }) => answer.name === "runtime").choices = ["docker"];
    write("templates/service/template.json", JSON.stringify(manifest));
    expect(() => run()).toThrowError(ShipyardError);
    expect(() => run()).toThrowError(/^\.shipyard\/units\/orders\.json is broken: answers\.runtime "node": choose one of docker\.$/);
    expect(() => run()).toThrowError(expect.objectContaining({ hint: expect.stringContaining("(npm run shipyard -- set <answer>=<value>") }));
  });

  it("the broken record's fix is spelt in the repository's package manager", () => {
    // The root unit's record, as create writes it for a pnpm repository (its files not generated yet: none listed).
    write(".shipyard/units/_monorepo.json", JSON.stringify({ template: "monorepo", answers: { name: "acme", packageManager: "pnpm" }, files: {} }));
    const manifest = JSON.parse(read("templates/service/template.json"));
    manifest.answers.find((answer: { name: string }) => answer.name === "runtime").choices = ["docker"];
    write("templates/service/template.json", JSON.stringify(manifest));
    expect(() => run()).toThrowError(
      expect.objectContaining({ code: "BROKEN_STATE", hint: expect.stringContaining("(pnpm run shipyard set <answer>=<value>") }),
    );
  });
});
