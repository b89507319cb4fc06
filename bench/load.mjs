#!/usr/bin/env node
// The generated service (packages/hello, built) under load on loopback, next to a bare node:http server answering
// the same JSON in the same run: requests/s, p99 latency, errors, and the ratio to the bare server
// (target: at least 0.8x its throughput). autocannon (from bench/peers) drives GET /health and POST /greetings,
// each for a bounded duration after a short warm-up; targets are interleaved so machine drift hits both.
// The service runs with LOG_LEVEL=silent, with its default logging (info: lifecycle and failed requests, to /dev/null),
// and with a JSON line per request (LOG_REQUESTS=true).
// Also: start-up time to the first 200 on /health, with NODE_EXTRA_CA_CERTS as is and unset.
//
//   npm ci --prefix bench/peers && npm run build -w @shipyard/hello
//   node bench/load.mjs [--duration 10] [--warmup 2] [--connections 10] [--rounds 2]
//
// Client and servers share this machine's cores (2 here): absolute figures say as much about the machine as about
// the server; the ratio to the bare server in the same run is the comparable figure.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { createServer as createNetServer } from "node:net";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchEnv, caVariants, ensurePeers, fail, fmtMs, median, peersDir, loadText, printMachine, root, table } from "./lib.mjs";

const { values: options } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    starts: { type: "string", default: "7" },
    "serve-bare": { type: "string" },
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
} else {
  await main();
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
  const load = (port, route, seconds) =>
    new Promise((resolve, reject) => {
      const instance = autocannon(
        {
          // The path goes in the url: autocannon ignores a separate `path` option.
          url: `http://127.0.0.1:${port}${route.request.path}`,
          connections,
          duration: seconds,
          method: route.request.method,
          headers: route.request.headers,
          body: route.request.body,
        },
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
          const res = await fetch(`http://127.0.0.1:${server.port}${route.request.path}`, {
            method: route.request.method,
            headers: route.request.headers,
            body: route.request.body,
          });
          const body = await res.json();
          if (res.status !== route.expect.status || JSON.stringify(body) !== JSON.stringify(route.expect.body)) {
            fail(`${target.name} ${route.name}: ${res.status} ${JSON.stringify(body)}`);
          }
          process.stderr.write(`${target.name} ${route.name}: warm-up ${warmup} s, load ${duration} s\n`);
          if (warmup > 0) await load(server.port, route, warmup);
          const result = await load(server.port, route, duration);
          const errors = result.errors + result.timeouts + result.non2xx;
          if (errors > 0) process.stderr.write(`  ${errors} errors: ${JSON.stringify(result.statusCodeStats)}\n`);
          const key = `${route.name}|${target.name}`;
          if (!results.has(key)) results.set(key, []);
          results.get(key).push({
            rps: result.requests.average,
            total: result.requests.total,
            p50: result.latency.p50,
            p99: result.latency.p99,
            errors,
          });
        } finally {
          await server.stop();
        }
      }
    }
  }

  console.log(`\n## Under load: autocannon, ${connections} connections, ${duration} s per target (after ${warmup} s warm-up), ${options.rounds} round(s), loopback\n`);
  for (const route of routes) {
    const bare = median(results.get(`${route.name}|${targets[0].name}`).map((r) => r.rps));
    console.log(`\n### ${route.name}\n`);
    console.log(
      table(
        ["server", "requests/s", "p50 latency", "p99 latency", "errors (incl. non-2xx, timeouts)", "throughput / bare", "target >= 0.8x"],
        targets.map((target) => {
          const list = results.get(`${route.name}|${target.name}`);
          const rps = median(list.map((r) => r.rps));
          const isBare = target === targets[0];
          return [
            target.name,
            Math.round(rps),
            `${median(list.map((r) => r.p50))} ms`,
            `${median(list.map((r) => r.p99))} ms`,
            list.reduce((sum, r) => sum + r.errors, 0),
            `${(rps / bare).toFixed(2)}x`,
            isBare ? "" : rps / bare >= 0.8 ? "met" : "NOT met",
          ];
        }),
      ),
    );
  }
  console.log(`\n### Start-up: spawn to the first 200 on /health (median of ${options.starts})\n`);
  console.log(
    table(
      ["server", ...startups.map((s) => s.variant.label)],
      targets.slice(0, 2).map((target) => [target.name, ...startups.map((s) => fmtMs(median(s.samples.get(target.name))))]),
    ),
  );
  console.log(`\nmachine: ${machineInfo.nproc} x ${machineInfo.cpu}, ${machineInfo.memory}; load average at the end: ${loadText()}, node ${machineInfo.node}`);
}
