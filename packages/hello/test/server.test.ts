import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { optionsFromEnv, startServer } from "../src/server.ts";

describe("server", () => {
  let app: FastifyInstance | undefined;
  afterEach(() => app?.close());

  it("listens on a real port and answers /health", async () => {
    app = await startServer({ port: 0, host: "127.0.0.1", logger: false, logRequests: false });
    const address = app.server.address();
    if (address === null || typeof address === "string") throw new Error("server is not listening on TCP");
    const response = await fetch(`http://127.0.0.1:${address.port}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("reads PORT and HOST from the environment, defaulting to 0.0.0.0:8080", () => {
    expect(optionsFromEnv({})).toMatchObject({ port: 8080, host: "0.0.0.0", logRequests: false });
    expect(optionsFromEnv({ LOG_REQUESTS: "true" })).toMatchObject({ logRequests: true });
    expect(optionsFromEnv({ PORT: "3000", HOST: "127.0.0.1" })).toMatchObject({ port: 3000, host: "127.0.0.1" });
    expect(() => optionsFromEnv({ PORT: "http" })).toThrow(/PORT/);
  });
});
