import { afterAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
{{#if (eq database "postgres")}}
import { createPool } from "../src/db.ts";

// These routes never query the database, and node-postgres connects on the first query: this pool never connects.
// test/notes.test.ts tests the routes that do, against a real PostgreSQL.
const pool = createPool("postgresql://unused@localhost:5432/unused");
{{/if}}

describe("routes", () => {
  const app = buildApp({{#if (eq database "postgres")}}{}, { pool }{{/if}});
  afterAll(() => app.close());

  it("answers GET /health with 200 and a JSON status", async () => {
    const response = await app.inject({ method: "GET", url: "/health" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ok" });
  });

  it.each([
    [{ name: "Ada" }, "Hello, Ada!"],
    [{ name: "Ada", language: "en" }, "Hello, Ada!"],
    [{ name: "Ada", language: "es" }, "¡Hola, Ada!"],
  ])("greets %j with 201", async (payload, message) => {
    const response = await app.inject({ method: "POST", url: "/greetings", payload });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ message });
  });

  it.each([
    ["a missing name", {}],
    ["an empty name", { name: "" }],
    ["an unknown language", { name: "Ada", language: "fr" }],
    ["a name that is not a string", { name: { first: "Ada" } }],
    ["an unknown property (rejected, not silently dropped)", { name: "Ada", admin: true }],
  ])("rejects %s with 400", async (_case, payload) => {
    const response = await app.inject({ method: "POST", url: "/greetings", payload });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ statusCode: 400, code: "FST_ERR_VALIDATION", error: "Bad Request" });
  });

  it("names the unknown property's problem in the 400", async () => {
    const response = await app.inject({ method: "POST", url: "/greetings", payload: { name: "Ada", extra: { deep: 1 } } });
    expect(response.json().message).toMatch(/additional properties/);
  });
});

describe("the response schema of POST /greetings is enforced", () => {
  // A hook stands in for a handler that returns more (or less) than the route declares.
  const withAnswer = (answer: Record<string, unknown>) => {
    const app = buildApp({{#if (eq database "postgres")}}{}, { pool }{{/if}});
    app.addHook("preSerialization", async () => answer);
    return app;
  };

  it("a field the schema does not declare never reaches the client", async () => {
    const app = withAnswer({ message: "Hello, Ada!", passwordHash: "secret" });
    const response = await app.inject({ method: "POST", url: "/greetings", payload: { name: "Ada" } });
    await app.close();
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ message: "Hello, Ada!" });
  });

  it("an answer without a required field is a 500, not a malformed 201", async () => {
    const app = withAnswer({ greeting: "Hello" });
    const response = await app.inject({ method: "POST", url: "/greetings", payload: { name: "Ada" } });
    await app.close();
    expect(response.statusCode).toBe(500);
  });
});
