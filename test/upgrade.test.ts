import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { ensureCliBuilt, makeTempRepo, runCommand, runShipyard, shipyardBin, shipyardUntilPaused, snapshotTree, type TempRepo } from "./support/repo.js";

/*
 * Issue 5, end to end: a repository made with one version of the templates, edited by its users, then upgraded
 * (`shipyard upgrade --from`) to a newer Shipyard whose templates move to Node 26, add a workflow step and a
 * Clever Cloud variable. Then: a process killed in the middle of an update leaves the tree as it was.
 */
const file = (repo: TempRepo, path: string) => readFileSync(join(repo.dir, path), "utf8");
const write = (repo: TempRepo, path: string, content: string) => writeFileSync(join(repo.dir, path), content);
const replace = (repo: TempRepo, path: string, from: string, to: string) => {
  const before = file(repo, path);
  if (!before.includes(from)) throw new Error(`${path} does not contain ${from}`);
  write(repo, path, before.replace(from, to));
};
const git = (repo: TempRepo, ...args: string[]) => execFileSync("git", args, { cwd: repo.dir, encoding: "utf8" });

describe("shipyard upgrade --from a newer Shipyard", () => {
  let repo: TempRepo;
  let newer: TempRepo;
  let appBefore: string;

  beforeAll(async () => {
    ensureCliBuilt();
    repo = makeTempRepo();
    const install = await runCommand("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], repo.dir, { timeoutMs: 300_000 });
    expect(install.code, install.stderr).toBe(0);

    // The newer Shipyard: same repository, version 0.2.0, changed templates, one migration.
    newer = makeTempRepo({ git: false });
    symlinkSync(join(repo.dir, "node_modules"), join(newer.dir, "node_modules"), "dir");
    const templates = "templates/service/files";
    replace(newer, "generators/package.json", '"version": "0.1.0"', '"version": "0.2.0"');
    replace(newer, "templates/service/template.json", '"choices": [22, 24, 26], "default": 24', '"choices": [22, 24, 26], "default": 26');
    replace(newer, `${templates}/packages/__name__/clever.node.env`, "NODE_ENV=production\n", "NODE_ENV=production\nCC_PRE_RUN_HOOK=node --version\n");
    replace(newer, `${templates}/.github/workflows/__name__.yml`, "      - name: Install dependencies\n        run: {{pm.frozenInstall}}\n", "      - name: Install dependencies\n        run: {{pm.frozenInstall}}\n      - name: Audit production dependencies\n        run: npm audit --omit=dev --audit-level=high\n");
    write(
      newer,
      "generators/src/migrations/0001-node-26.ts",
      [
        'import { type MigrationContext, unitsOf } from "./index.js";',
        "",
        'export const description = "services move from Node.js 24 to 26, the new LTS";',
        "",
        "export function migrate(context: MigrationContext): void {",
        '  for (const unit of unitsOf(context, "service")) if (unit.answers.node === 24) unit.answers.node = 26;',
        "}",
        "",
      ].join("\n"),
    );
    // Built as generators' build script does: tsc, then the templates precompiled.
    execFileSync(join(repo.dir, "node_modules/.bin/tsc"), ["-p", "generators/tsconfig.json"], { cwd: newer.dir });
    execFileSync(process.execPath, ["generators/dist/build/precompile.js"], { cwd: newer.dir });

    // The users' edits, committed.
    replace(repo, "packages/hello/Dockerfile", "USER node\n", "LABEL org.opencontainers.image.vendor=acme\nUSER node\n");
    const fastify = file(repo, "packages/hello/package.json").match(/"fastify": "[^"]+"/)?.[0] as string;
    replace(repo, "packages/hello/package.json", fastify, `${fastify},\n    "yaml": "^2.9.0"`);
    replace(repo, "packages/hello/src/app.ts", "// Clever Cloud (CC_HEALTH_CHECK_PATH)", "// Our health check: Clever Cloud (CC_HEALTH_CHECK_PATH)");
    appBefore = file(repo, "packages/hello/src/app.ts");
    git(repo, "commit", "-qam", "our edits");
  }, 600_000);
  afterAll(() => {
    repo?.remove();
    newer?.remove();
  });

  it("brings the new templates, runs the migration and keeps the users' edits", async () => {
    const result = await runShipyard(repo.dir, ["upgrade", "--from", newer.dir], { bin: join(repo.dir, "generators/dist/cli/shipyard.js") });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toContain("Shipyard 0.1.0 -> 0.2.0");
    expect(result.stdout).toContain("migration 0001-node-26");

    const manifest = JSON.parse(file(repo, "packages/hello/package.json"));
    expect(manifest.engines.node).toBe("26.x");
    expect(manifest.devDependencies["@types/node"]).toBe("^26.0.0");
    expect(manifest.dependencies.yaml).toBe("^2.9.0");
    expect(file(repo, "packages/hello/clever.env")).toMatch(/^CC_NODE_VERSION=26$/m);
    expect(file(repo, "packages/hello/clever.env")).toMatch(/^CC_PRE_RUN_HOOK=node --version$/m);
    const dockerfile = file(repo, "packages/hello/Dockerfile");
    expect(dockerfile).toContain("ARG NODE_MAJOR=26");
    expect(dockerfile).toContain("LABEL org.opencontainers.image.vendor=acme\nUSER node");
    const workflow = parseYaml(file(repo, ".github/workflows/hello.yml"));
    expect(workflow.jobs.ci.steps.map((step: { name?: string }) => step.name)).toContain("Audit production dependencies");
    expect(workflow.jobs.ci.steps.find((step: { uses?: string }) => step.uses?.startsWith("actions/setup-node")).with["node-version"]).toBe(26);
    expect(file(repo, "packages/hello/src/app.ts")).toBe(appBefore);

    const config = JSON.parse(file(repo, ".shipyard/config.json"));
    expect(config).toMatchObject({ shipyard: "0.2.0", migrations: ["0001-node-26"] });
    expect(JSON.parse(file(repo, ".shipyard/units/hello.json")).answers.node).toBe(26);
    expect(JSON.parse(file(repo, "generators/package.json")).version).toBe("0.2.0");
    expect(existsSync(join(repo.dir, "generators/src/migrations/0001-node-26.ts"))).toBe(true);

    // The repository is consistent afterwards: nothing left to update, and it still builds and tests.
    const check = await runShipyard(repo.dir, ["update", "--check"], { bin: join(repo.dir, "generators/dist/cli/shipyard.js") });
    expect(check.code, check.stdout).toBe(0);
    const install = await runCommand("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], repo.dir, { timeoutMs: 300_000 });
    expect(install.code, install.stderr).toBe(0);
    const turbo = await runCommand("npx", ["turbo", "run", "build", "test", "--filter=@shipyard/hello"], repo.dir, { timeoutMs: 300_000 });
    expect(turbo.code, turbo.stdout + turbo.stderr).toBe(0);
  });

  it("runs a migration only once: a second upgrade from the same source changes nothing", async () => {
    git(repo, "add", "-A");
    git(repo, "commit", "-qm", "upgrade to 0.2.0");
    const before = snapshotTree(repo.dir);
    const again = await runShipyard(repo.dir, ["upgrade", "--from", newer.dir], { bin: join(repo.dir, "generators/dist/cli/shipyard.js") });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toContain("migration 0001");
    expect(snapshotTree(repo.dir)).toEqual(before);
  });
});

describe("an update killed half way", () => {
  let repo: TempRepo;
  const bin = () => shipyardBin;

  beforeAll(async () => {
    ensureCliBuilt();
    repo = makeTempRepo();
    for (const name of ["alpha", "beta"]) {
      const added = await runShipyard(repo.dir, ["add", "service", name, "--yes"], { bin: bin() });
      expect(added.code, added.stderr).toBe(0);
    }
    // A template change that touches every managed file of every service.
    replace(repo, "templates/service/files/packages/__name__/Dockerfile", "USER node", "RUN true\nUSER node");
    replace(repo, "templates/service/files/packages/__name__/clever.node.env", "NODE_ENV=production", "NODE_ENV=production\nCC_PRE_RUN_HOOK=true");
    replace(repo, "templates/service/files/packages/__name__/package.json", '"private": true,', '"private": true,\n  "license": "UNLICENSED",');
    git(repo, "add", "-A");
    git(repo, "commit", "-qm", "services and a template change");
  }, 600_000);
  afterAll(() => repo?.remove());

  async function killAt(point: string) {
    const before = snapshotTree(repo.dir);
    // Stopped at the point by the program itself (it says so on stderr), then SIGKILLed there.
    const paused = await shipyardUntilPaused(repo.dir, ["update"], point, { bin: bin() });
    paused.child.kill("SIGKILL");
    const result = await paused.exited;
    return { before, result };
  }

  it("leaves the tree byte-identical when killed after staging started", async () => {
    const { before, result } = await killAt("staged");
    expect(result.signal).toBe("SIGKILL");
    expect(snapshotTree(repo.dir)).toEqual(before);
  });

  it("is rolled back by the next command when killed in the middle of swapping files in", async () => {
    const { before, result } = await killAt("swapped:3");
    expect(result.signal).toBe("SIGKILL");
    const killed = snapshotTree(repo.dir);
    expect(killed).not.toEqual(before); // three files were already swapped in
    // A dry run rolls nothing back, and says that the next writing command will.
    const dry = await runShipyard(repo.dir, ["update", "--dry-run"], { bin: bin() });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toMatch(/an interrupted `update` from \d\d:\d\d:\d\d left files half written; the next command that writes rolls it back/);
    expect(snapshotTree(repo.dir)).toEqual(killed);
    const doctor = await runShipyard(repo.dir, ["doctor"], { bin: bin() });
    expect(doctor.stdout).toMatch(/An interrupted `update` .* left files half written/);
    // The update rolls the interrupted one back, says so, and then goes through.
    const update = await runShipyard(repo.dir, ["update"], { bin: bin() });
    expect(update.code, update.stderr).toBe(0);
    expect(update.stderr).toMatch(/rolled back an interrupted `update` from \d\d:\d\d:\d\d \(3 files restored\)/);
    expect(file(repo, "packages/alpha/Dockerfile")).toContain("RUN true\nUSER node");
  });
});
