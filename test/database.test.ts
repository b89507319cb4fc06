// A service generated with `--database postgres`, end to end against a real PostgreSQL (Debian's server, a
// throw-away cluster on a free loopback port: test/support/postgres.ts). The built service is run as a program,
// the way the image and Clever Cloud run it: its migrations apply, the example route writes and reads, the data
// survives a restart of the service, /ready fails while the database is down and recovers after, SIGTERM under
// load loses no acknowledged write, and bad configuration is one clear line and a non-zero exit.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PostgresServer, postgresAvailable, postgresBinDir, startPostgres } from "./support/postgres.ts";
import { ensureCliBuilt, freePort, makeTempRepo, runCommand, runShipyard, type TempRepo, userEnv } from "./support/repo.ts";

const NAME = "ledger";
let repo: TempRepo;
let pg: PostgresServer;
let databaseUrl: string;
const started = new Set<ChildProcess>();

const dist = (file: string) => `packages/${NAME}/dist/${file}`;

/** `node dist/<file>` of the service in the temporary repository, with only the given settings. */
function runDist(file: string, env: Record<string, string | undefined>) {
  return runCommand(process.execPath, [dist(file)], repo.dir, { env: { DATABASE_URL: undefined, POSTGRESQL_ADDON_URI: undefined, ...env }, timeoutMs: 60_000 });
}

interface Service {
  child: ChildProcess;
  url: string;
  logs(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** Resolves once a log line contains `text`. */
  logged(text: string): Promise<void>;
}

/** Starts `node dist/server.js` on a free port and resolves once it logs that it listens. */
async function startService(env: Record<string, string> = {}): Promise<Service> {
  const port = await freePort();
  const child = spawn(process.execPath, [dist("server.js")], {
    cwd: repo.dir,
    env: userEnv({ PORT: String(port), HOST: "127.0.0.1", DATABASE_URL: databaseUrl, POSTGRESQL_ADDON_URI: undefined, ...env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.add(child);
  let output = "";
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  const onData = (chunk: Buffer) => {
    output += chunk;
    for (const waiter of waiters.filter((w) => output.includes(w.text))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const logged = (text: string) =>
    new Promise<void>((resolve, reject) => {
      if (output.includes(text)) return resolve();
      waiters.push({ text, resolve });
      void exited.then((code) => reject(new Error(`exited (${code}) before logging "${text}":\n${output}`)));
    });
  await logged("Server listening at");
  return { child, url: `http://127.0.0.1:${port}`, logs: () => output, exited, logged };
}

async function stopService(service: Service): Promise<number | null> {
  service.child.kill("SIGTERM");
  const code = await service.exited;
  started.delete(service.child);
  return code;
}

/** The schema, for tests run alone (`-t`): migrating is idempotent, the first test checks it applies. */
async function migrated(): Promise<void> {
  const result = await runDist("migrate.js", { DATABASE_URL: databaseUrl });
  if (result.code !== 0) throw new Error(`migrate.js failed: ${result.stderr}`);
}

const postNote = (service: Service, text: string) =>
  fetch(`${service.url}/notes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) });

beforeAll(async () => {
  ensureCliBuilt();
  repo = makeTempRepo();
  const add = await runShipyard(repo.dir, ["add", "service", NAME, "--database", "postgres", "--yes"]);
  if (add.code !== 0) throw new Error(`shipyard add service ${NAME} --database postgres failed:\n${add.stdout}${add.stderr}`);
  const install = await runCommand("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], repo.dir, { timeoutMs: 300_000 });
  if (install.code !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
  const build = await runCommand("npm", ["run", "build", "-w", `@shipyard/${NAME}`], repo.dir, { timeoutMs: 300_000 });
  if (build.code !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
  pg = await startPostgres();
  databaseUrl = await pg.createDatabase("ledger");
});

afterAll(async () => {
  for (const child of started) child.kill("SIGKILL");
  await pg?.remove();
  repo?.remove();
});

describe.skipIf(!postgresAvailable())("a service generated with --database postgres, against a real PostgreSQL", () => {
  it("declares pg and node-pg-migrate, a migrate script, and runs its migrations once: a second run changes nothing", async () => {
    const pkg = JSON.parse(readFileSync(join(repo.dir, `packages/${NAME}/package.json`), "utf8"));
    expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(["pg", "node-pg-migrate"]));
    expect(pkg.scripts.migrate).toBe("node src/migrate.ts");

    const first = await runDist("migrate.js", { DATABASE_URL: databaseUrl });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout.trim()).toBe(`Migrated 127.0.0.1:${pg.port}/ledger: 0001_create-notes.`);
    expect(pg.sql("SELECT name FROM pgmigrations", "ledger")).toBe("0001_create-notes");
    expect(pg.sql("SELECT column_name FROM information_schema.columns WHERE table_name = 'notes' ORDER BY ordinal_position", "ledger").split("\n")).toEqual([
      "id",
      "text",
      "created_at",
    ]);

    const again = await runDist("migrate.js", { POSTGRESQL_ADDON_URI: databaseUrl });
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe(`127.0.0.1:${pg.port}/ledger is up to date.`);
  });

  it("the example route writes and reads, and the data survives a restart of the service", async () => {
    await migrated();
    const first = await startService();
    const texts = ["first note", "¡segunda nota!", "it's 'quoted'; DROP TABLE notes;--"];
    type Note = { id: number; text: string; createdAt: string };
    const created: Note[] = [];
    for (const text of texts) {
      const response = await postNote(first, text);
      expect(response.status).toBe(201);
      created.push((await response.json()) as Note);
    }
    expect(created.map((note) => note.text)).toEqual(texts);
    const listed = await (await fetch(`${first.url}/notes?limit=3`)).json();
    expect(listed).toEqual([...created].reverse());
    expect(await stopService(first)).toBe(0);

    const second = await startService();
    try {
      const after = await (await fetch(`${second.url}/notes?limit=3`)).json();
      expect(after).toEqual([...created].reverse());
    } finally {
      expect(await stopService(second)).toBe(0);
    }
  });

  it("/ready answers 503 while the database is down and 200 once it is back; /health stays 200; the service keeps running", async () => {
    await migrated();
    const service = await startService();
    try {
      const ready = async () => {
        const response = await fetch(`${service.url}/ready`);
        return { status: response.status, body: await response.json() };
      };
      expect(await ready()).toEqual({ status: 200, body: { status: "ready" } });

      await pg.stop();
      expect(await ready()).toEqual({ status: 503, body: { status: "unavailable" } });
      expect((await fetch(`${service.url}/health`)).status).toBe(200);
      expect((await postNote(service, "while the database is down")).status).toBe(500);
      expect(await ready()).toEqual({ status: 503, body: { status: "unavailable" } });

      await pg.start();
      expect(await ready()).toEqual({ status: 200, body: { status: "ready" } });
      expect((await postNote(service, "after the database came back")).status).toBe(201);
      expect(service.child.exitCode).toBeNull();
    } finally {
      if (pg) await pg.start().catch(() => {});
      expect(await stopService(service)).toBe(0);
    }
  });

  it("SIGTERM under load: requests in flight finish, every acknowledged write is stored, exit 0", async () => {
    const WORKERS = 8;
    await migrated();
    const service = await startService({ DATABASE_POOL_SIZE: "10" });
    const acknowledged: string[] = [];
    let afterSignal = 0;
    let signalled = false;
    let refused = 0;
    let stopLoad = false;
    // Each worker posts notes one after the other until the server stops answering 201.
    const worker = async (id: number) => {
      for (let n = 0; !stopLoad; n++) {
        const text = `load ${id}-${n}`;
        try {
          const response = await postNote(service, text);
          if (response.status !== 201) {
            refused++;
            return;
          }
          acknowledged.push(text);
          if (signalled) afterSignal++;
        } catch {
          refused++;
          return;
        }
      }
    };
    let running = WORKERS;
    const load = Array.from({ length: WORKERS }, (_, id) => worker(id).finally(() => running--));
    const unlessStopped = () => {
      if (running < WORKERS) throw new Error(`a worker stopped before the signal (${refused} refused):\n${service.logs()}`);
    };

    // Let the load run, then hold every INSERT at the database: a transaction locks the table, so each worker's
    // request is in flight (waiting inside the server) when the signal arrives.
    while (acknowledged.length < 200) {
      unlessStopped();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const bin = postgresBinDir() as string;
    const locker = spawn(join(bin, "psql"), ["-X", "-q", "-A", "-t", "-d", databaseUrl], { stdio: ["pipe", "pipe", "pipe"] });
    let lockerOut = "";
    const lockerSaid = (text: string) =>
      new Promise<void>((resolve) => {
        const check = () => (lockerOut.includes(text) ? resolve() : undefined);
        locker.stdout.on("data", (chunk: Buffer) => {
          lockerOut += chunk;
          check();
        });
        check();
      });
    locker.stdin.write("BEGIN;\nLOCK TABLE notes IN EXCLUSIVE MODE;\nSELECT 'locked';\n");
    await lockerSaid("locked");
    // Every worker's INSERT is now waiting for the lock (a state of the database, not a delay).
    for (;;) {
      const waiting = Number(pg.sql("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'notes' AND NOT l.granted", "ledger"));
      if (waiting === WORKERS) break;
      unlessStopped();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const beforeSignal = acknowledged.length;
    signalled = true;
    service.child.kill("SIGTERM");
    await service.logged('"msg":"shutting down"');
    // Shutting down: a new connection is refused, while the held requests are still in flight.
    await expect(fetch(`${service.url}/health`)).rejects.toThrow();
    locker.stdin.write("COMMIT;\n\\q\n");
    stopLoad = true;
    await Promise.all(load);
    expect(await service.exited).toBe(0);
    started.delete(service.child);

    expect(afterSignal, "the requests in flight at SIGTERM were answered 201").toBe(WORKERS);
    expect(acknowledged.length).toBe(beforeSignal + WORKERS);
    const stored = new Set(pg.sql("SELECT text FROM notes WHERE text LIKE 'load %'", "ledger").split("\n"));
    const lost = acknowledged.filter((text) => !stored.has(text));
    expect(lost, "acknowledged writes missing from the database").toEqual([]);
    console.log(`SIGTERM under load: ${acknowledged.length} writes acknowledged (${WORKERS} of them in flight at the signal), 0 lost`);
  });

  describe("bad configuration: one clear line on stderr, exit 1, no stack trace", () => {
    const cases: Array<[string, () => Record<string, string>, RegExp]> = [
      ["no URL at all", () => ({}), /^Cannot (start|migrate): POSTGRESQL_ADDON_URI or DATABASE_URL must be set to the database's URL/],
      ["a malformed URL", () => ({ DATABASE_URL: "postgres//oops:s3cret@" }), /^Cannot (start|migrate): DATABASE_URL must be a URL such as postgresql:\/\//],
      ["a URL of another database", () => ({ POSTGRESQL_ADDON_URI: "mysql://app:s3cret@127.0.0.1/app" }), /^Cannot (start|migrate): POSTGRESQL_ADDON_URI must start with postgresql:\/\//],
      [
        "a database that refuses the connection",
        () => ({ DATABASE_URL: `postgresql://app:s3cret@127.0.0.1:${refusedPort}/app` }),
        /^(Cannot start: cannot reach the database|Migration of) 127\.0\.0\.1:\d+\/app \(DATABASE_URL\).*ECONNREFUSED/,
      ],
      [
        "a wrong password",
        () => ({ DATABASE_URL: databaseUrl.replace(`:${pg.password}@`, ":s3cret@") }),
        /^(Cannot start: cannot reach the database|Migration of) 127\.0\.0\.1:\d+\/ledger \(DATABASE_URL\).*password authentication failed/,
      ],
    ];
    let refusedPort = 0;
    beforeAll(async () => {
      refusedPort = await freePort();
    });

    for (const program of ["server.js", "migrate.js"]) {
      it.each(cases)(`${program}: %s`, async (_case, env, message) => {
        const result = await runDist(program, { PORT: String(refusedPort + 1), ...env() });
        expect(result.code).toBe(1);
        expect(result.stdout).toBe("");
        const lines = result.stderr.trimEnd().split("\n");
        expect(lines, result.stderr).toHaveLength(1);
        expect(lines[0]).toMatch(message);
        expect(result.stderr).not.toMatch(/\n\s+at |s3cret/);
      });
    }
  });
});
