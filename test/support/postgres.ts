// A throw-away PostgreSQL cluster for end-to-end tests: Debian's server binaries (scripts/setup/postgres.sh), its own
// data folder, loopback only on a free port, password authentication (scram) like a hosted database.
//
//   const pg = await startPostgres();            // initdb + pg_ctl start, ~1-2 s
//   pg.url                                        // postgresql://shipyard:<password>@127.0.0.1:<port>/shipyard
//   await pg.stop(); await pg.start();            // stop/restart the same cluster (its data is kept)
//   await pg.createDatabase("other")              // another database, same role; returns its URL
//   await pg.remove();                            // stop and delete the data folder
//
// PostgreSQL refuses to run as root: when the tests run as root (this machine, CI), the server runs as the
// `postgres` system user the Debian package creates (runuser), with a data folder it owns.
// Only Node builtins.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./repo.ts";

const USER = "shipyard";

/** The folder of Debian's server binaries (initdb, pg_ctl, postgres), the newest major installed. */
export function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((entry) => /^\d+$/.test(entry) && existsSync(join(root, entry, "bin/pg_ctl")))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(root, majors[0], "bin") : undefined;
}

/** True when the server binaries are installed (scripts/setup/postgres.sh has run). Cheap: meant for skipIf. */
export function postgresAvailable(): boolean {
  return postgresBinDir() !== undefined;
}

export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** postgresql://user:password@127.0.0.1:port/database */
  url: string;
  urlFor(database: string): string;
  createDatabase(name: string): Promise<string>;
  /** Runs SQL with psql on the main database; returns its unaligned, tuples-only output. */
  sql(query: string, database?: string): string;
  /** pg_ctl stop -m fast: connections are closed, the data stays. */
  stop(): Promise<void>;
  /** Starts the stopped cluster again, on the same port. */
  start(): Promise<void>;
  remove(): Promise<void>;
}

const asRoot = process.getuid?.() === 0;

function run(bin: string, args: string[], env: Record<string, string> = {}): string {
  const command = asRoot ? "runuser" : bin;
  const fullArgs = asRoot ? ["-u", "postgres", "--", bin, ...args] : args;
  const result = spawnSync(command, fullArgs, { encoding: "utf8", env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  if (result.status !== 0) throw new Error(`${bin} ${args.join(" ")} exited ${result.status}: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error("PostgreSQL is not installed: run scripts/setup/postgres.sh");
  const root = mkdtempSync(join(tmpdir(), "shipyard-pg-"));
  const data = join(root, "data");
  const socketDir = join(root, "socket");
  mkdirSync(socketDir);
  const password = randomBytes(12).toString("hex");
  const pwfile = join(root, "pwfile");
  writeFileSync(pwfile, `${password}\n`);
  if (asRoot) {
    const { uid, gid } = postgresIds();
    for (const path of [root, socketDir, pwfile]) chownSync(path, uid, gid);
  }
  chmodSync(root, 0o700);
  run(join(bin, "initdb"), ["-D", data, "-U", USER, "--pwfile", pwfile, "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]);
  rmSync(pwfile);
  const port = await freePort();
  const log = join(root, "server.log");
  const pgctl = join(bin, "pg_ctl");
  // Loopback only, its own socket folder, fsync off (a test cluster needs no durability against power loss:
  // a clean stop still writes everything, so data survives a stop/start).
  const options = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = async () => {
    run(pgctl, ["-D", data, "-l", log, "-o", options, "-w", "-t", "30", "start"]);
  };
  const stop = async () => {
    run(pgctl, ["-D", data, "-m", "fast", "-w", "-t", "30", "stop"]);
  };
  await start();
  const host = "127.0.0.1";
  const urlFor = (database: string) => `postgresql://${USER}:${password}@${host}:${port}/${database}`;
  const psql = join(bin, "psql");
  const sql = (query: string, database = USER) =>
    execFileSync(psql, ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", urlFor(database), "-c", query], { encoding: "utf8" }).trim();
  sql("SELECT 1", "postgres");
  sql(`CREATE DATABASE ${USER}`, "postgres");
  return {
    host,
    port,
    user: USER,
    password,
    database: USER,
    url: urlFor(USER),
    urlFor,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      sql(`CREATE DATABASE ${name}`, "postgres");
      return urlFor(name);
    },
    sql,
    stop,
    start,
    async remove() {
      try {
        await stop();
      } catch {
        // already stopped
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function postgresIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}
