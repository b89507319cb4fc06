// A service generated with `--database postgres` deployed the way Clever Cloud's Node runtime deploys it, emulated
// from its clever.env (test/support/clever-emulator.ts), with the PostgreSQL add-on's POSTGRESQL_ADDON_URI pointing
// at a real local PostgreSQL: CC_PRE_RUN_HOOK runs the migrations after the build and before the start; a failing
// migration fails the deploy before the new version starts, leaves the schema as it was, and the instance already
// running keeps serving.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CleverDeployError, type CleverDeployment, deployLikeCleverCloud, parseCleverEnv } from "./support/clever-emulator.ts";
import { type PostgresServer, postgresAvailable, startPostgres } from "./support/postgres.ts";
import { ensureCliBuilt, gitSync as git, makeTempRepo, runCommand, runShipyard, type TempRepo } from "./support/repo.ts";

const NAME = "ledger";
const CONFIG = `packages/${NAME}/clever.env`;
let repo: TempRepo;
let pg: PostgresServer;
let addonUri: string;
const deployments: CleverDeployment[] = [];

beforeAll(async () => {
  ensureCliBuilt();
  repo = makeTempRepo();
  const add = await runShipyard(repo.dir, ["add", "service", NAME, "--database", "postgres", "--runtime", "node", "--yes"]);
  if (add.code !== 0) throw new Error(`shipyard add service failed:\n${add.stdout}${add.stderr}`);
  const install = await runCommand("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], repo.dir, { timeoutMs: 300_000 });
  if (install.code !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
  git(repo.dir, "add", "--all");
  git(repo.dir, "commit", "--quiet", "--no-verify", "-m", "add a service with a database");
  pg = await startPostgres();
  addonUri = await pg.createDatabase("addon");
});

afterAll(async () => {
  for (const deployment of deployments) await deployment.stop().catch(() => {});
  await pg?.remove();
  repo?.remove();
});

describe.skipIf(!postgresAvailable())("Clever Cloud's Node runtime, emulated from clever.env, with a PostgreSQL add-on", () => {
  it("clever.env runs the migrations in CC_PRE_RUN_HOOK, after the build", () => {
    const { vars } = parseCleverEnv(git(repo.dir, "show", `HEAD:${CONFIG}`), CONFIG);
    expect(vars.CC_PRE_RUN_HOOK).toBe(`node packages/${NAME}/dist/migrate.js`);
    expect(vars.CC_POST_BUILD_HOOK).toMatch(/turbo run build/);
    // The URL is the add-on's, injected by the platform: never written in the repository.
    expect(Object.keys(vars).filter((name) => /POSTGRES|DATABASE/.test(name))).toEqual([]);
  });

  it("a deploy migrates before the start, then serves the database route", async () => {
    const deployment = await deployLikeCleverCloud({ repository: repo.dir, config: CONFIG, addonEnv: { POSTGRESQL_ADDON_URI: addonUri } });
    deployments.push(deployment);
    const order = deployment.steps.map((step) => step.name);
    expect(order).toEqual(["install", "CC_POST_BUILD_HOOK", "CC_PRE_RUN_HOOK", "run"]);
    expect(deployment.health.every((check) => check.status === 200)).toBe(true);
    expect(pg.sql("SELECT name FROM pgmigrations", "addon")).toBe("0001_create-notes");

    const created = await fetch(`http://127.0.0.1:${deployment.port}/notes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "deployed" }),
    });
    expect(created.status).toBe(201);
    expect((await fetch(`http://127.0.0.1:${deployment.port}/ready`)).status).toBe(200);
  });

  it("a failing migration fails the deploy at CC_PRE_RUN_HOOK: the new version never starts, the schema is unchanged, the running instance keeps serving", async () => {
    const running = deployments[0];
    expect(running, "the first deploy is running").toBeDefined();
    git(repo.dir, "checkout", "--quiet", "-b", "broken-migration");
    writeFileSync(
      join(repo.dir, `packages/${NAME}/migrations/0002_add-author.sql`),
      "-- Up Migration\nALTER TABLE notes ADD COLUMN author text;\nALTER TABLE no_such_table ADD COLUMN x integer;\n\n-- Down Migration\nALTER TABLE notes DROP COLUMN author;\n",
    );
    git(repo.dir, "add", "--all");
    git(repo.dir, "commit", "--quiet", "--no-verify", "-m", "a migration that fails half way");

    const failed = await deployLikeCleverCloud({
      repository: repo.dir,
      branch: "broken-migration",
      config: CONFIG,
      addonEnv: { POSTGRESQL_ADDON_URI: addonUri },
    }).then(
      (deployment) => {
        deployments.push(deployment);
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(failed).toBeInstanceOf(CleverDeployError);
    const error = failed as CleverDeployError;
    expect(error.step).toBe("CC_PRE_RUN_HOOK");
    // One clear line from the migration program, no stack trace.
    expect(error.output.trim()).toMatch(/^Migration of 127\.0\.0\.1:\d+\/addon \(POSTGRESQL_ADDON_URI\) failed: .*no_such_table.* does not exist$/);
    expect(error.output).not.toMatch(/\n\s+at /);
    // The migration ran in a transaction: its first statement was rolled back with the second.
    expect(pg.sql("SELECT name FROM pgmigrations", "addon")).toBe("0001_create-notes");
    expect(pg.sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'notes' AND column_name = 'author'", "addon")).toBe("0");

    const stillServing = await fetch(`http://127.0.0.1:${running?.port}/notes?limit=1`);
    expect(stillServing.status).toBe(200);
    expect(((await stillServing.json()) as Array<{ text: string }>)[0]).toMatchObject({ text: "deployed" });
  });
});
