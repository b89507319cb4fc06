import { afterAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";

describe("routes", () => {
  const app = buildApp();
  afterAll(() => app.close());

  it("answers GET /health with 200 and a JSON status", async () => {
    const response = await app.inject({ method: "GET", url: "/health" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ok" });
  });

  it("greets a valid request", async () => {
    const response = await app.inject({ method: "POST", url: "/greetings", payload: { name: "Ada", language: "es" } });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ message: "Hola, Ada!" });
  });

  it.each([
    ["a missing name", {}],
    ["an empty name", { name: "" }],
    ["an unknown language", { name: "Ada", language: "fr" }],
    ["a name that is not a string", { name: { first: "Ada" } }],
  ])("rejects %s with 400", async (_case, payload) => {
    const response = await app.inject({ method: "POST", url: "/greetings", payload });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ statusCode: 400, error: "Bad Request" });
  });
});
