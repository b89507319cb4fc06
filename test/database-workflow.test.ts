// The workflow of a service generated with `--database postgres`, run by the local runner
// (test/support/workflow-runner.ts): its ci job declares a PostgreSQL service container, and its lint, typecheck,
// build and test pass against it. The runner starts no containers: the declared `services.postgres` is mapped to a
// real local PostgreSQL (test/support/postgres.ts) given the role and database the declaration's env asks for, and
// the job reads its port from `job.services.postgres.ports['5432']` as on GitHub. A service without a database
// declares no service container.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { nodeBinDir } from "./support/clever-emulator.ts";
import { type PostgresServer, postgresAvailable, startPostgres } from "./support/postgres.ts";
import { ensureCliBuilt, gitSync as git, makeTempRepo, runCommand, runShipyard, type TempRepo } from "./support/repo.ts";
import { type JobResult, runJob, type ServiceDeclaration, WorkflowError } from "./support/workflow-runner.ts";

const NAME = "ledger";
let repo: TempRepo;
let scratch: string;
let pg: PostgresServer;

const workflowOf = (name: string) => join(repo.dir, ".github/workflows", `${name}.yml`);
const ciJob = (name: string) => (parseYaml(readFileSync(workflowOf(name), "utf8")) as { jobs: { ci: Record<string, unknown> } }).jobs.ci;
/** The runner machine's PATH: this process's, without the node_modules/.bin folders `npx vitest` put there. */
const runnerPath = () =>
  (process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin")
    .split(":")
    .filter((p) => p && !/node_modules[\\/]\.bin|node-gyp-bin/.test(p))
    .join(":");
const describeJob = (r: JobResult) => JSON.stringify(r.steps.map((s) => ({ name: s.name, status: s.status, stdout: s.stdout.slice(-4000), stderr: s.stderr.slice(-3000) })), null, 2);

beforeAll(async () => {
  ensureCliBuilt();
  scratch = mkdtempSync(join(tmpdir(), "database-workflow-"));
  repo = makeTempRepo();
  const add = await runShipyard(repo.dir, ["add", "service", NAME, "--database", "postgres", "--yes"]);
  if (add.code !== 0) throw new Error(`shipyard add service failed:\n${add.stdout}${add.stderr}`);
  const install = await runCommand("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], repo.dir, {
    env: { PATH: runnerPath() },
    timeoutMs: 300_000,
  });
  if (install.code !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
  git(repo.dir, "add", "--all");
  git(repo.dir, "commit", "--quiet", "--no-verify", "-m", "add a service with a database");
  pg = await startPostgres();
});

afterAll(async () => {
  await pg?.remove();
  repo?.remove();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(!postgresAvailable())("the workflow of a service with --database postgres", () => {
  it("declares a postgres service container in the ci job only; a service without a database declares none", () => {
    const ci = ciJob(NAME);
    expect(ci.services).toMatchObject({ postgres: { image: expect.stringMatching(/^postgres:\d+$/), ports: [5432] } });
    expect(Object.keys(ciJob("hello"))).not.toContain("services");
    // Only CI tests against it: no deploy job (staging, production, review apps) declares a database container.
    const jobs = (parseYaml(readFileSync(workflowOf(NAME), "utf8")) as { jobs: Record<string, Record<string, unknown>> }).jobs;
    const deployJobs = Object.keys(jobs).filter((id) => id !== "ci");
    expect(deployJobs).toEqual(expect.arrayContaining(["staging", "production", "review"]));
    for (const id of deployJobs) expect(Object.keys(jobs[id] ?? {}), id).not.toContain("services");
  });

  it("the ci job, run by the local runner with the service mapped to a local PostgreSQL, runs the database tests and passes", async () => {
    const workspace = join(scratch, "clone");
    git(scratch, "clone", "--quiet", "--branch", "main", "--no-local", "--depth", "1", `file://${repo.dir}`, workspace);
    const declarations: ServiceDeclaration[] = [];
    const result = await runJob({
      workflowFile: join(workspace, `.github/workflows/${NAME}.yml`),
      job: "ci",
      cwd: workspace,
      event: { name: "push", ref: "refs/heads/main" },
      env: { PATH: runnerPath() },
      pathPrepend: [nodeBinDir(String((ciJob(NAME).steps as Array<{ with?: { "node-version"?: number } }>)[1]?.with?.["node-version"]))],
      services: {
        // What the postgres image does with its env on first start: a superuser role and a database.
        postgres: (declared) => {
          declarations.push(declared);
          const { POSTGRES_USER: user, POSTGRES_PASSWORD: password, POSTGRES_DB: database } = declared.env;
          if (!user || !password || !database) throw new Error(`services.postgres.env lacks the role or database: ${JSON.stringify(declared.env)}`);
          pg.sql(`CREATE ROLE ${user} LOGIN SUPERUSER PASSWORD '${password.replaceAll("'", "''")}'`, "postgres");
          pg.sql(`CREATE DATABASE ${database} OWNER ${user}`, "postgres");
          return { ports: { "5432": pg.port } };
        },
      },
    });
    expect(result.status, describeJob(result)).toBe("success");
    expect(declarations.map((d) => d.id)).toEqual(["postgres"]);
    const turbo = stripVTControlCharacters(result.steps.at(-1)?.stdout ?? "");
    expect(turbo).toMatch(/Tasks:\s+4 successful, 4 total/);
    // The database tests ran (not skipped) against the mapped server: they migrated it and wrote notes there.
    expect(turbo).toMatch(/notes\.test\.ts \(\d+ tests?\)/);
    expect(turbo).not.toMatch(/notes\.test\.ts \(\d+ tests? \| \d+ skipped\)/);
    const database = declarations[0]?.env.POSTGRES_DB as string;
    expect(pg.sql("SELECT name FROM pgmigrations", database)).toBe("0001_create-notes");
    expect(Number(pg.sql("SELECT count(*) FROM notes", database))).toBeGreaterThan(0);
  });

  it("a declared service without a stand-in is an error of the runner, not a silent pass", async () => {
    await expect(
      runJob({ workflowFile: workflowOf(NAME), job: "ci", cwd: repo.dir, event: { name: "push", ref: "refs/heads/main" }, env: { PATH: runnerPath() } }),
    ).rejects.toThrow(WorkflowError);
  });
});
