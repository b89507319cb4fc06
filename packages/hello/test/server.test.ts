import { EventEmitter } from "node:events";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { fastifyOptions, optionsFromEnv, startServer, stopOnSignals } from "../src/server.ts";

describe("server", () => {
  let app: FastifyInstance | undefined;
  afterEach(() => app?.close());

  it("listens on a real port and answers /health", async () => {
    app = await startServer({ port: 0, host: "127.0.0.1", logLevel: "silent", logRequests: false });
    const address = app.server.address();
    if (address === null || typeof address === "string") throw new Error("server is not listening on TCP");
    const response = await fetch(`http://127.0.0.1:${address.port}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("reads every setting from the environment, defaulting to 0.0.0.0:8080 at level info", () => {
    expect(optionsFromEnv({})).toEqual({ port: 8080, host: "0.0.0.0", logLevel: "info", logRequests: false });
    expect(optionsFromEnv({ PORT: "3000", HOST: "127.0.0.1", LOG_LEVEL: "warn", LOG_REQUESTS: "true" })).toEqual({
      port: 3000,
      host: "127.0.0.1",
      logLevel: "warn",
      logRequests: true,
    });
  });

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
    expect(() => optionsFromEnv(env)).toThrow(message);
  });

  it("logs a request the client got wrong as one info line without a stack trace", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    app = buildApp({ ...fastifyOptions({ logLevel: "info", logRequests: false }), logger: { level: "info", stream } });
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
    const app = buildApp();
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
