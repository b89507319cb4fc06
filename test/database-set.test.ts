// `shipyard set database=postgres` on a service made without a database, after the user edited its app.ts: the
// sources the answer reaches (app.ts, server.ts, their tests: seed files, the user's after `add`) take what the
// answer changes by a three-way merge against the old answers' render, so the user's edit stays and the service
// becomes a working database service: against a real PostgreSQL (test/support/postgres.ts) its migrations apply,
// /notes writes and reads, /ready is 200, its own tests pass. `set database=none` takes it back out: the files
// only the database needed are deleted unless the user edited them (then kept and reported), and app.ts loses
// the wiring but keeps the edit. An edit of the very lines the answer changes is a conflict: markers, exit 1.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PostgresServer, postgresAvailable, startPostgres } from "./support/postgres.ts";
import { ensureCliBuilt, freePort, gitSync, makeTempRepo, runCommand, runShipyard, type TempRepo, userEnv } from "./support/repo.ts";

const NAME = "shop";
const APP = `packages/${NAME}/src/app.ts`;
let repo: TempRepo;
let pg: PostgresServer;
const started = new Set<ChildProcess>();

const read = (path: string) => readFileSync(join(repo.dir, path), "utf8");
const write = (path: string, text: string) => writeFileSync(join(repo.dir, path), text);
const commitAll = (message: string) => {
  gitSync(repo.dir, "add", "--all");
  gitSync(repo.dir, "commit", "--quiet", "--no-verify", "--message", message);
};

// The user's edit: a route of their own in app.ts, where the template's database wiring does not go.
const USER_ROUTE = '  // Ours: which version answers.\n  app.get("/version", async () => ({ version: "1.2.3" }));\n\n';

interface SetJson {
  files: Array<{ path: string; outcome: string }>;
  conflicts: Array<{ path: string }>;
  written: boolean;
}

async function set(args: string[]): Promise<{ code: number | null; json: SetJson }> {
  const result = await runShipyard(repo.dir, ["set", ...args, "--json"]);
  if (result.stderr !== "") throw new Error(`shipyard set ${args.join(" ")}: ${result.stderr}`);
  return { code: result.code, json: JSON.parse(result.stdout) as SetJson };
}
const outcomes = (json: SetJson) => Object.fromEntries(json.files.filter((file) => file.outcome !== "unchanged").map((file) => [file.path, file.outcome]));

async function npm(args: string[]): Promise<void> {
  const result = await runCommand("npm", args, repo.dir, { timeoutMs: 300_000 });
  if (result.code !== 0) throw new Error(`npm ${args.join(" ")} failed:\n${result.stdout}${result.stderr}`);
}
const installAndBuild = async () => {
  await npm(["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"]);
  await npm(["run", "build", "-w", `@shipyard/${NAME}`]);
};

/** `node dist/server.js` on a free port, resolved once it listens. */
async function startService(env: Record<string, string | undefined>): Promise<{ url: string; stop(): Promise<number | null> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [`packages/${NAME}/dist/server.js`], {
    cwd: repo.dir,
    env: userEnv({ PORT: String(port), HOST: "127.0.0.1", DATABASE_URL: undefined, POSTGRESQL_ADDON_URI: undefined, ...env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.add(child);
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes("Server listening at")) resolve();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then((code) => reject(new Error(`the service exited (${code}) before listening:\n${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill("SIGTERM");
      const code = await exited;
      started.delete(child);
      return code;
    },
  };
}

beforeAll(async () => {
  ensureCliBuilt();
  repo = makeTempRepo();
  for (const name of [NAME, "other", "plain"]) {
    const add = await runShipyard(repo.dir, ["add", "service", name, "--yes"]);
    if (add.code !== 0) throw new Error(`add service ${name} failed:\n${add.stdout}${add.stderr}`);
  }
  const app = read(APP);
  expect(app).not.toContain("pg");
  write(APP, app.replace("  return app;\n}", `${USER_ROUTE}  return app;\n}`));
  commitAll("a service without a database, with a route of our own");
  pg = await startPostgres();
});

afterAll(async () => {
  for (const child of started) child.kill("SIGKILL");
  await pg?.remove();
  repo?.remove();
});

describe.skipIf(!postgresAvailable())("set database=postgres on an existing service, then none again", () => {
  it("postgres: the data layer comes in, the user's route stays, and the service works against PostgreSQL", async () => {
    const { code, json } = await set(["database=postgres", "--in", NAME]);
    expect(code).toBe(0);
    expect(json.conflicts).toEqual([]);
    const dir = `packages/${NAME}`;
    expect(outcomes(json)).toMatchObject({
      [APP]: "merged",
      [`${dir}/src/server.ts`]: "updated",
      [`${dir}/test/app.test.ts`]: "updated",
      [`${dir}/src/db.ts`]: "created",
      [`${dir}/migrations/0001_create-notes.sql`]: "created",
      [`${dir}/compose.yaml`]: "created",
      [`${dir}/package.json`]: "updated",
    });
    const app = read(APP);
    expect(app).toContain(USER_ROUTE);
    expect(app).toContain('app.register(noteRoutes, { prefix: "/notes", pool });');
    expect(JSON.parse(read(`${dir}/package.json`)).dependencies).toHaveProperty("pg");
    // The other service was not asked to change.
    expect(read("packages/other/src/app.ts")).not.toContain("pool");

    await installAndBuild();
    const databaseUrl = await pg.createDatabase("shop");
    const migrate = await runCommand(process.execPath, [`${dir}/dist/migrate.js`], repo.dir, { env: { DATABASE_URL: databaseUrl } });
    expect(migrate.stderr).toBe("");
    expect(migrate.stdout.trim()).toBe(`Migrated 127.0.0.1:${pg.port}/shop: 0001_create-notes.`);

    const service = await startService({ DATABASE_URL: databaseUrl });
    try {
      const posted = await fetch(`${service.url}/notes`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"text":"after set"}' });
      expect(posted.status).toBe(201);
      const listed = (await (await fetch(`${service.url}/notes`)).json()) as Array<{ text: string }>;
      expect(listed.map((note) => note.text)).toEqual(["after set"]);
      expect(pg.sql("SELECT text FROM notes", "shop")).toBe("after set");
      const ready = await fetch(`${service.url}/ready`);
      expect(ready.status).toBe(200);
      expect(await (await fetch(`${service.url}/version`)).json()).toEqual({ version: "1.2.3" });
    } finally {
      expect(await service.stop()).toBe(0);
    }

    // The service's own tests, merged in too, pass against the database (as its CI job runs them).
    const tests = await runCommand("npm", ["test", "-w", `@shipyard/${NAME}`], repo.dir, { env: { DATABASE_URL: databaseUrl }, timeoutMs: 300_000 });
    expect(tests.code, tests.stdout + tests.stderr).toBe(0);
    expect(tests.stdout).not.toMatch(/skipped/);
    commitAll("set database=postgres");
  }, 600_000);

  it("none again: the wiring goes out of app.ts (the route stays), unedited database files are deleted, an edited one is kept", async () => {
    const dir = `packages/${NAME}`;
    const migration = `${dir}/migrations/0001_create-notes.sql`;
    write(migration, `${read(migration)}-- ours: keep this\n`);
    commitAll("our note in the migration");
    const { code, json } = await set(["database=none", "--in", NAME]);
    expect(code).toBe(0);
    expect(outcomes(json)).toMatchObject({
      [APP]: "merged",
      [`${dir}/src/server.ts`]: "updated",
      [`${dir}/src/db.ts`]: "removed",
      [`${dir}/src/routes/notes.ts`]: "removed",
      [`${dir}/compose.yaml`]: "removed",
      [migration]: "customized",
    });
    expect(existsSync(join(repo.dir, dir, "src/db.ts"))).toBe(false);
    expect(read(migration)).toContain("-- ours: keep this");
    const app = read(APP);
    expect(app).toContain(USER_ROUTE);
    expect(app).not.toMatch(/pool|noteRoutes|\/ready/);
    expect(JSON.parse(read(`${dir}/package.json`)).dependencies).not.toHaveProperty("pg");

    await installAndBuild();
    // No database setting needed any more: it starts without one, and the user's route answers.
    const service = await startService({});
    try {
      expect(await (await fetch(`${service.url}/version`)).json()).toEqual({ version: "1.2.3" });
      expect((await fetch(`${service.url}/notes`)).status).toBe(404);
    } finally {
      expect(await service.stop()).toBe(0);
    }
  }, 600_000);

  it("an edit of the lines the answer changes is a conflict: markers in that file, exit 1, the rest written", async () => {
    const app = "packages/other/src/app.ts";
    const signature = "export function buildApp(options: FastifyServerOptions = {}): FastifyInstance {";
    expect(read(app)).toContain(signature);
    write(app, read(app).replace(signature, "export function buildApp(options: FastifyServerOptions = { logger: true }): FastifyInstance {"));
    commitAll("our default options");
    const { code, json } = await set(["database=postgres", "--in", "other"]);
    expect(code).toBe(1);
    expect(json.conflicts.map((file) => file.path)).toEqual([app]);
    expect(read(app)).toMatch(
      /<<<<<<< yours \(packages\/other\/src\/app\.ts\)\nexport function buildApp\(options: FastifyServerOptions = \{ logger: true \}\): FastifyInstance \{\n=======\nexport function buildApp\(options: FastifyServerOptions, \{ pool \}: AppDependencies\): FastifyInstance \{\n>>>>>>> template/,
    );
    expect(existsSync(join(repo.dir, "packages/other/src/db.ts"))).toBe(true);
  });

  it("not only the database: any answer a source depends on reaches it (port=9090 moves server.ts's default port)", async () => {
    const dir = "packages/plain";
    const { code, json } = await set(["port=9090", "--in", "plain", "--dry-run"]);
    expect(code).toBe(0);
    expect(json.written).toBe(false);
    expect(outcomes(json)).toMatchObject({ [`${dir}/src/server.ts`]: "updated", [`${dir}/test/server.test.ts`]: "updated", [`${dir}/README.md`]: "updated" });
    expect(outcomes(json)).not.toHaveProperty(`${dir}/src/app.ts`);
    await set(["port=9090", "--in", "plain"]);
    expect(read(`${dir}/src/server.ts`)).toContain('const port = env.PORT ?? "9090";');
  });
});
