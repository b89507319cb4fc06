#!/usr/bin/env node
// The generated service (packages/hello, built) under load on loopback, next to a bare node:http server answering
// the same JSON in the same run: requests/s, p99 latency, errors, and the ratio to the bare server
// (target: at least 0.8x its throughput). autocannon (from bench/peers) drives GET /health and POST /greetings,
// each for a bounded duration after a short warm-up; targets are interleaved so machine drift hits both.
// The service runs with LOG_LEVEL=silent, with its default logging (info: lifecycle and failed requests, to /dev/null),
// and with a JSON line per request (LOG_REQUESTS=true).
// Also: start-up time to the first 200 on /health, with NODE_EXTRA_CA_CERTS as is and unset.
//
// --database: the database route instead. A service generated with `--database postgres` (in a fresh copy of this
// repository, built) against a throw-away PostgreSQL (Debian's server, as the tests start it: scripts/setup/postgres.sh),
// next to the same route written directly on node:http with the same client (pg, a pool of the same size, the same
// SQL and the same checks): POST /notes (a committed INSERT per request) and GET /notes?limit=20.
//   node bench/load.mjs --database [--duration 10] [--connections 10] [--rounds 2]
//
//   npm ci --prefix bench/peers && npm run build -w @shipyard/hello
//   node bench/load.mjs [--duration 10] [--warmup 2] [--connections 10] [--rounds 2]
//
// Client and servers share this machine's cores (2 here): absolute figures say as much about the machine as about
// the server; the ratio to the bare server in the same run is the comparable figure.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchEnv, caVariants, copyRepo, ensurePeers, fail, fmtMs, loadText, median, peersDir, printMachine, root, shipyardBin, table } from "./lib.mjs";

const { values: options } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    starts: { type: "string", default: "7" },
    "serve-bare": { type: "string" },
    database: { type: "boolean", default: false },
    "serve-bare-db": { type: "string" },
    "pg-from": { type: "string" },
  },
});

// --serve-bare <port>: the bare node:http server (run as its own process, like the service).
if (options["serve-bare"]) {
  const json = (res, status, body) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/health") return json(res, 200, { status: "ok" });
    if (req.method === "POST" && req.url === "/greetings") {
      let raw = "";
      req.setEncoding("utf8");
      req.on("data", (chunk) => (raw += chunk));
      req.on("end", () => {
        let body;
        try {
          body = JSON.parse(raw);
        } catch {
          return json(res, 400, { statusCode: 400, error: "Bad Request", message: "invalid JSON" });
        }
        // The same checks as the service's JSON schema.
        const { name, language = "en", ...rest } = body ?? {};
        const valid =
          typeof body === "object" && typeof name === "string" && name.length >= 1 && name.length <= 100 && (language === "en" || language === "es") && !Object.keys(rest).length;
        if (!valid) return json(res, 400, { statusCode: 400, error: "Bad Request", message: "invalid body" });
        return json(res, 201, { message: `${language === "es" ? "¡Hola" : "Hello"}, ${name}!` });
      });
      return;
    }
    json(res, 404, { statusCode: 404, error: "Not Found" });
  });
  server.listen(Number(options["serve-bare"]), "127.0.0.1");
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
} else if (options["serve-bare-db"]) {
  await serveBareDatabase(Number(options["serve-bare-db"]));
} else if (options.database) {
  await databaseMain();
} else {
  await main();
}

/**
 * The database route on bare node:http: the same pool (pg, DATABASE_POOL_SIZE connections, resolved from the
 * generated service's own node_modules), the same SQL, the same checks as its TypeBox schemas, the same JSON.
 */
async function serveBareDatabase(port) {
  const pg = createRequire(join(options["pg-from"], "package.json"))("pg");
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10), connectionTimeoutMillis: 2000 });
  pool.on("error", () => {});
  const json = (res, status, body) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };
  const toNote = (row) => ({ id: row.id, text: row.text, createdAt: row.created_at.toISOString() });
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, "http://localhost");
      if (req.method === "GET" && url.pathname === "/health") return json(res, 200, { status: "ok" });
      if (req.method === "GET" && url.pathname === "/notes") {
        const limit = url.searchParams.get("limit") ?? "20";
        if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > 100 || [...url.searchParams.keys()].some((k) => k !== "limit")) {
          return json(res, 400, { statusCode: 400, error: "Bad Request", message: "invalid limit" });
        }
        const { rows } = await pool.query("SELECT id, text, created_at FROM notes ORDER BY id DESC LIMIT $1", [Number(limit)]);
        return json(res, 200, rows.map(toNote));
      }
      if (req.method === "POST" && url.pathname === "/notes") {
        let raw = "";
        req.setEncoding("utf8");
        for await (const chunk of req) raw += chunk;
        let body;
        try {
          body = JSON.parse(raw);
        } catch {
          return json(res, 400, { statusCode: 400, error: "Bad Request", message: "invalid JSON" });
        }
        const { text, ...rest } = body ?? {};
        if (typeof body !== "object" || typeof text !== "string" || text.length < 1 || text.length > 1000 || Object.keys(rest).length) {
          return json(res, 400, { statusCode: 400, error: "Bad Request", message: "invalid body" });
        }
        const { rows } = await pool.query("INSERT INTO notes (text) VALUES ($1) RETURNING id, text, created_at", [text]);
        return json(res, 201, toNote(rows[0]));
      }
      json(res, 404, { statusCode: 404, error: "Not Found" });
    } catch {
      json(res, 500, { statusCode: 500, error: "Internal Server Error" });
    }
  });
  server.listen(port, "127.0.0.1");
  process.on("SIGTERM", () => server.close(() => pool.end().then(() => process.exit(0))));
}

/** A throw-away PostgreSQL cluster (Debian's binaries; as the postgres user when run as root), like the tests'. */
function startCluster(dir, port) {
  const versions = existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql").filter((v) => /^\d+$/.test(v)).sort((a, b) => b - a) : [];
  if (!versions.length) fail("PostgreSQL is not installed: bash scripts/setup/postgres.sh");
  const bin = join("/usr/lib/postgresql", versions[0], "bin");
  const asRoot = process.getuid() === 0;
  const run = (file, args) => {
    const r = spawnSync(asRoot ? "runuser" : file, asRoot ? ["-u", "postgres", "--", file, ...args] : args, { encoding: "utf8" });
    if (r.status !== 0) fail(`${file} ${args.join(" ")}: ${r.stderr}`);
  };
  mkdirSync(join(dir, "socket"), { recursive: true });
  writeFileSync(join(dir, "pw"), "bench\n");
  if (asRoot) {
    const id = (flag) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
    for (const path of [dir, join(dir, "socket"), join(dir, "pw")]) chownSync(path, id("-u"), id("-g"));
  }
  run(join(bin, "initdb"), ["-D", join(dir, "data"), "-U", "bench", "--pwfile", join(dir, "pw"), "--auth=scram-sha-256", "--no-sync"]);
  const pgOptions = `-p ${port} -k ${join(dir, "socket")} -c listen_addresses=127.0.0.1 -c max_connections=100`;
  run(join(bin, "pg_ctl"), ["-D", join(dir, "data"), "-l", join(dir, "log"), "-o", pgOptions, "-w", "start"]);
  const url = `postgresql://bench:bench@127.0.0.1:${port}/postgres`;
  return { url, stop: () => run(join(bin, "pg_ctl"), ["-D", join(dir, "data"), "-m", "fast", "-w", "stop"]) };
}

async function databaseMain() {
  ensurePeers(["autocannon"]);
  const autocannon = createRequire(join(peersDir, "package.json"))("autocannon");
  const machineInfo = printMachine();
  const duration = Number(options.duration);
  const warmup = Number(options.warmup);
  const connections = Number(options.connections);
  const work = mkdtempSync(join(tmpdir(), "shipyard-bench-db-"));
  const repo = copyRepo(join(work, "repo"));
  const step = (command, args) => {
    process.stderr.write(`bench: ${command} ${args.join(" ")}\n`);
    const r = spawnSync(command, args, { cwd: repo, env: benchEnv(), stdio: ["ignore", "ignore", "inherit"] });
    if (r.status !== 0) fail(`${command} ${args.join(" ")} failed`);
  };
  step(process.execPath, [shipyardBin, "add", "service", "ledger", "--database", "postgres", "--yes"]);
  step("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"]);
  step("npm", ["run", "build", "-w", "@shipyard/ledger"]);
  // A folder of its own: the server runs as the postgres user, which cannot enter the root-only work folder.
  const clusterDir = mkdtempSync(join(tmpdir(), "shipyard-bench-pg-"));
  const cluster = startCluster(clusterDir, await freePort());
  try {
    const service = join(repo, "packages/ledger");
    const dbEnv = { ...benchEnv(), DATABASE_URL: cluster.url, DATABASE_POOL_SIZE: "10" };
    const migrate = spawnSync(process.execPath, [join(service, "dist/migrate.js")], { env: dbEnv, encoding: "utf8" });
    if (migrate.status !== 0) fail(`migrate: ${migrate.stderr}`);
    const targets = [
      { name: "bare node:http + pg", args: (port) => [join(root, "bench/load.mjs"), "--serve-bare-db", String(port), "--pg-from", service], env: () => ({}) },
      {
        name: "service, LOG_LEVEL=silent",
        args: () => [join(service, "dist/server.js")],
        env: (port) => ({ PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "silent", NODE_ENV: "production" }),
      },
      {
        name: "service, default logging (info)",
        args: () => [join(service, "dist/server.js")],
        env: (port) => ({ PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "info", NODE_ENV: "production" }),
      },
    ];
    const routes = [
      { name: "POST /notes", request: { method: "POST", path: "/notes", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "bench" }) }, status: 201 },
      { name: "GET /notes?limit=20", request: { method: "GET", path: "/notes?limit=20" }, status: 200 },
    ];
    const results = await measure({ autocannon, targets, routes, env: dbEnv, duration, warmup, connections, check: async (res, route) => {
      const body = await res.json();
      const note = Array.isArray(body) ? body[0] : body;
      return res.status === route.status && note?.text === "bench" && Number.isInteger(note.id) && !Number.isNaN(Date.parse(note.createdAt));
    } });
    console.log(`\n## database route: autocannon, ${connections} connections, ${duration} s per target (after ${warmup} s warm-up), ${options.rounds} round(s), loopback, pool of 10\n`);
    report(results, targets, routes);
    const rows = execFileSync(join("/usr/lib/postgresql", readdirSync("/usr/lib/postgresql").sort().at(-1), "bin/psql"), ["-X", "-A", "-t", "-d", cluster.url, "-c", "SELECT count(*) FROM notes"], { encoding: "utf8" }).trim();
    console.log(`\nrows in notes at the end: ${rows}`);
    console.log(`\nmachine: ${machineInfo.nproc} x ${machineInfo.cpu}, ${machineInfo.memory}; load average at the end: ${loadText()}, node ${machineInfo.node}`);
  } finally {
    cluster.stop();
    rmSync(work, { recursive: true, force: true });
    rmSync(clusterDir, { recursive: true, force: true });
  }
}

/** Loads every route of every target, interleaved (reversed every other round); medians per route and target. */
async function measure({ autocannon, targets, routes, env, duration, warmup, connections, check }) {
  const load = (port, route, seconds) =>
    new Promise((resolve, reject) => {
      const instance = autocannon(
        { url: `http://127.0.0.1:${port}${route.request.path}`, connections, duration: seconds, method: route.request.method, headers: route.request.headers, body: route.request.body },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
      instance.on("error", reject);
    });
  const results = new Map();
  for (let round = 0; round < Number(options.rounds); round++) {
    for (const route of routes) {
      for (const target of round % 2 ? [...targets].reverse() : targets) {
        const server = await start(target, env);
        try {
          const res = await fetch(`http://127.0.0.1:${server.port}${route.request.path}`, { method: route.request.method, headers: route.request.headers, body: route.request.body });
          if (!(await check(res, route))) fail(`${target.name} ${route.name}: unexpected answer ${res.status}`);
          process.stderr.write(`${target.name} ${route.name}: warm-up ${warmup} s, load ${duration} s\n`);
          if (warmup > 0) await load(server.port, route, warmup);
          const result = await load(server.port, route, duration);
          const errors = result.errors + result.timeouts + result.non2xx;
          if (errors > 0) process.stderr.write(`  ${errors} errors: ${JSON.stringify(result.statusCodeStats)}\n`);
          const key = `${route.name}|${target.name}`;
          if (!results.has(key)) results.set(key, []);
          results.get(key).push({ rps: result.requests.average, total: result.requests.total, p50: result.latency.p50, p99: result.latency.p99, errors });
        } finally {
          await server.stop();
        }
      }
    }
  }
  return results;
}

function report(results, targets, routes) {
  for (const route of routes) {
    const bare = median(results.get(`${route.name}|${targets[0].name}`).map((r) => r.rps));
    console.log(`\n### ${route.name}\n`);
    console.log(
      table(
        ["server", "requests/s", "p50 latency", "p99 latency", "errors (incl. non-2xx, timeouts)", "throughput / bare", "target >= 0.8x"],
        targets.map((target) => {
          const list = results.get(`${route.name}|${target.name}`);
          const rps = median(list.map((r) => r.rps));
          return [
            target.name,
            Math.round(rps),
            `${median(list.map((r) => r.p50))} ms`,
            `${median(list.map((r) => r.p99))} ms`,
            list.reduce((sum, r) => sum + r.errors, 0),
            `${(rps / bare).toFixed(2)}x`,
            target === targets[0] ? "" : rps / bare >= 0.8 ? "met" : "NOT met",
          ];
        }),
      ),
    );
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(port, child, timeoutMs = 20_000) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.status === 200) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("server did not answer /health");
}

async function start(target, env) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, target.args(port), { cwd: root, env: { ...env, ...target.env(port) }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  try {
    await waitForHealth(port, child);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${target.name}: ${error.message}\n${stderr}`);
  }
  return {
    port,
    startMs: performance.now() - started,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", resolve);
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      }),
  };
}

async function main() {
  ensurePeers(["autocannon"]);
  const autocannon = createRequire(join(peersDir, "package.json"))("autocannon");
  const scope = JSON.parse(readFileSync(join(root, ".shipyard/config.json"), "utf8")).scope;
  const serverJs = join(root, "packages/hello/dist/server.js");
  if (!existsSync(serverJs)) {
    process.stderr.write(`bench: npm run build -w @${scope}/hello\n`);
    if (spawnSync("npm", ["run", "build", "-w", `@${scope}/hello`], { cwd: root, stdio: "inherit" }).status !== 0) fail("build failed");
  }
  const machineInfo = printMachine();
  const duration = Number(options.duration);
  const warmup = Number(options.warmup);
  const connections = Number(options.connections);

  const targets = [
    { name: "bare node:http", args: (port) => [join(root, "bench/load.mjs"), "--serve-bare", String(port)], env: () => ({}) },
    {
      name: "service, LOG_LEVEL=silent",
      args: () => [serverJs],
      env: (port) => ({ PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "silent", NODE_ENV: "production" }),
    },
    {
      name: "service, default logging (info)",
      args: () => [serverJs],
      env: (port) => ({ PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "info", NODE_ENV: "production" }),
    },
    {
      name: "service, LOG_REQUESTS=true",
      args: () => [serverJs],
      env: (port) => ({ PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "info", LOG_REQUESTS: "true", NODE_ENV: "production" }),
    },
  ];
  const routes = [
    { name: "GET /health", request: { method: "GET", path: "/health" }, expect: { status: 200, body: { status: "ok" } } },
    {
      name: "POST /greetings",
      request: { method: "POST", path: "/greetings", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "Ada", language: "es" }) },
      expect: { status: 201, body: { message: "¡Hola, Ada!" } },
    },
  ];

  // Start-up: spawn to the first 200 on /health, NODE_EXTRA_CA_CERTS as is and unset.
  const startups = [];
  for (const variant of caVariants()) {
    const env = benchEnv({ ca: variant.ca });
    const samples = new Map(targets.slice(0, 2).map((t) => [t.name, []]));
    for (let i = 0; i < Number(options.starts); i++) {
      for (const target of targets.slice(0, 2)) {
        const server = await start(target, env);
        samples.get(target.name).push(server.startMs);
        await server.stop();
      }
    }
    startups.push({ variant, samples });
  }

  const env = benchEnv();
  const results = await measure({
    autocannon,
    targets,
    routes,
    env,
    duration,
    warmup,
    connections,
    check: async (res, route) => res.status === route.expect.status && JSON.stringify(await res.json()) === JSON.stringify(route.expect.body),
  });

  console.log(`\n## Under load: autocannon, ${connections} connections, ${duration} s per target (after ${warmup} s warm-up), ${options.rounds} round(s), loopback\n`);
  report(results, targets, routes);
  console.log(`\n### Start-up: spawn to the first 200 on /health (median of ${options.starts})\n`);
  console.log(
    table(
      ["server", ...startups.map((s) => s.variant.label)],
      targets.slice(0, 2).map((target) => [target.name, ...startups.map((s) => fmtMs(median(s.samples.get(target.name))))]),
    ),
  );
  console.log(`\nmachine: ${machineInfo.nproc} x ${machineInfo.cpu}, ${machineInfo.memory}; load average at the end: ${loadText()}, node ${machineInfo.node}`);
}
