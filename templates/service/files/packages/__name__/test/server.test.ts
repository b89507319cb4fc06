import { EventEmitter } from "node:events";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { fastifyOptions, optionsFromEnv, startServer, stopOnSignals } from "../src/server.ts";
{{#if (eq database "postgres")}}
import { createPool } from "../src/db.ts";

// A URL for the settings tests (never connected to), and a pool that never connects for the routes that do not
// query. The real server checks its database before it listens: that test needs DATABASE_URL (as in CI).
const URL_ENV = { DATABASE_URL: "postgresql://app:s3cret@db.example:5432/app" };
const pool = createPool(URL_ENV.DATABASE_URL);
const databaseUrl = process.env.DATABASE_URL;
{{/if}}

describe("server", () => {
  let app: FastifyInstance | undefined;
  afterEach(() => app?.close());

  it{{#if (eq database "postgres")}}.skipIf(!databaseUrl && !process.env.CI){{/if}}("listens on a real port and answers /health", async () => {
{{#if (eq database "postgres")}}
    const database = { url: databaseUrl ?? "", variable: "DATABASE_URL" as const };
    app = await startServer({ port: 0, host: "127.0.0.1", logLevel: "silent", logRequests: false, database, poolSize: 2 });
{{else}}
    app = await startServer({ port: 0, host: "127.0.0.1", logLevel: "silent", logRequests: false });
{{/if}}
    const address = app.server.address();
    if (address === null || typeof address === "string") throw new Error("server is not listening on TCP");
    const response = await fetch(`http://127.0.0.1:${address.port}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("reads every setting from the environment, defaulting to 0.0.0.0:{{port}} at level info", () => {
{{#if (eq database "postgres")}}
    const database = { url: URL_ENV.DATABASE_URL, variable: "DATABASE_URL" };
    expect(optionsFromEnv(URL_ENV)).toEqual({ port: {{port}}, host: "0.0.0.0", logLevel: "info", logRequests: false, database, poolSize: 10 });
    expect(optionsFromEnv({ ...URL_ENV, PORT: "3000", HOST: "127.0.0.1", LOG_LEVEL: "warn", LOG_REQUESTS: "true", DATABASE_POOL_SIZE: "4" })).toEqual({
      port: 3000,
      host: "127.0.0.1",
      logLevel: "warn",
      logRequests: true,
      database,
      poolSize: 4,
    });
{{else}}
    expect(optionsFromEnv({})).toEqual({ port: {{port}}, host: "0.0.0.0", logLevel: "info", logRequests: false });
    expect(optionsFromEnv({ PORT: "3000", HOST: "127.0.0.1", LOG_LEVEL: "warn", LOG_REQUESTS: "true" })).toEqual({
      port: 3000,
      host: "127.0.0.1",
      logLevel: "warn",
      logRequests: true,
    });
{{/if}}
  });
{{#if (eq database "postgres")}}

  it("takes Clever Cloud's POSTGRESQL_ADDON_URI first, DATABASE_URL otherwise", () => {
    const addon = "postgresql://u:p@addon.example:5432/db";
    expect(optionsFromEnv({ ...URL_ENV, POSTGRESQL_ADDON_URI: addon }).database).toEqual({ url: addon, variable: "POSTGRESQL_ADDON_URI" });
    expect(optionsFromEnv({ ...URL_ENV, POSTGRESQL_ADDON_URI: "" }).database.variable).toBe("DATABASE_URL");
  });

  it.each([
    [{}, "POSTGRESQL_ADDON_URI or DATABASE_URL must be set"],
    [{ DATABASE_URL: "not a url s3cret" }, "DATABASE_URL must be a URL such as postgresql://"],
    [{ DATABASE_URL: "mysql://app:s3cret@db.example/app" }, "DATABASE_URL must start with postgresql://, not mysql://"],
    [{ POSTGRESQL_ADDON_URI: "https://s3cret@db.example" }, "POSTGRESQL_ADDON_URI must start with postgresql://"],
    [{ ...URL_ENV, DATABASE_POOL_SIZE: "0" }, 'DATABASE_POOL_SIZE must be a whole number from 1 to 1000, got "0"'],
  ])("refuses the database setting %j with a message that names the variable, never the password", (env, message) => {
    expect(() => optionsFromEnv(env)).toThrow(message);
    expect(() => optionsFromEnv(env)).not.toThrow(/s3cret/);
  });
{{/if}}

  it.each([
    [{ PORT: "" }, 'PORT must be a whole number from 1 to 65535, got ""'],
    [{ PORT: "http" }, 'PORT must be a whole number from 1 to 65535, got "http"'],
    [{ PORT: "0" }, /PORT must be .* got "0"/],
    [{ PORT: "70000" }, /PORT must be .* got "70000"/],
    [{ PORT: "80.5" }, /PORT must be .* got "80.5"/],
    [{ HOST: "" }, /HOST must be/],
    [{ LOG_LEVEL: "loud" }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    [{ LOG_REQUESTS: "yes" }, 'LOG_REQUESTS must be true or false, got "yes"'],
  ])("refuses %j at start with a message naming the setting", (env, message) => {
    expect(() => optionsFromEnv({{#if (eq database "postgres")}}{ ...URL_ENV, ...env }{{else}}env{{/if}})).toThrow(message);
  });

  it("logs a request the client got wrong as one info line without a stack trace", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    app = buildApp({ ...fastifyOptions({ logLevel: "info", logRequests: false }), logger: { level: "info", stream } }{{#if (eq database "postgres")}}, { pool }{{/if}});
    const response = await app.inject({ method: "POST", url: "/greetings", payload: { name: "Ada", admin: true } });
    expect(response.statusCode).toBe(400);
    const logged = lines.filter((line) => line.statusCode === 400);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 30, code: "FST_ERR_VALIDATION", msg: "body must NOT have additional properties" });
    expect(JSON.stringify(lines)).not.toMatch(/stack|\s+at /);
  });
});

describe("shutdown on signals", () => {
  it("a second SIGTERM while shutting down does not run the shutdown again: one close, one exit 0", async () => {
    const app = buildApp({{#if (eq database "postgres")}}{}, { pool }{{/if}});
    let closes = 0;
    app.addHook("onClose", async () => {
      closes++;
    });
    const signals = new EventEmitter();
    const exits: number[] = [];
    const stop = stopOnSignals(app, { signals, exit: (code) => exits.push(code) });
    signals.emit("SIGTERM", "SIGTERM");
    signals.emit("SIGTERM", "SIGTERM");
    signals.emit("SIGINT", "SIGINT");
    await stop("SIGTERM");
    expect(closes).toBe(1);
    expect(exits).toEqual([0]);
  });
});
