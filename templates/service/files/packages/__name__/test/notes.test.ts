import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { createPool } from "../src/db.ts";
import { migrate } from "../src/migrate.ts";

// Against a real PostgreSQL, never a mock: the one DATABASE_URL names. CI starts one (the workflow's postgres
// service); locally, `docker compose -f packages/{{name}}/compose.yaml up -d db` and the DATABASE_URL it prints.
// Without it these tests are skipped on a laptop, and fail in CI (CI=true), so they cannot silently not run there.
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl && process.env.CI) throw new Error("DATABASE_URL is not set: CI runs these tests against PostgreSQL");

describe.skipIf(!databaseUrl)("notes, stored in PostgreSQL", () => {
  const pool = createPool(databaseUrl ?? "", { max: 2 });
  const app = buildApp({}, { pool });

  beforeAll(async () => {
    await migrate(databaseUrl ?? "");
  });
  afterAll(async () => {
    await app.close();
    await pool.end();
  });

  it("stores a note (201 with its id) and lists it, the newest first", async () => {
    const text = `note ${Date.now()}-${Math.random()}`;
    const created = await app.inject({ method: "POST", url: "/notes", payload: { text } });
    expect(created.statusCode).toBe(201);
    const note = created.json();
    expect(note).toMatchObject({ id: expect.any(Number), text });
    expect(new Date(note.createdAt).toISOString()).toBe(note.createdAt);

    const listed = await app.inject({ method: "GET", url: "/notes?limit=5" });
    expect(listed.statusCode).toBe(200);
    expect(listed.json()[0]).toEqual(note);
  });

  it("stores text as data: quotes and SQL in a note are kept as written", async () => {
    const text = "Robert'); DROP TABLE notes;--";
    const created = await app.inject({ method: "POST", url: "/notes", payload: { text } });
    expect(created.json().text).toBe(text);
    expect((await pool.query("SELECT count(*) FROM notes")).rowCount).toBe(1);
  });

  it.each([
    ["an empty text", { text: "" }],
    ["a missing text", {}],
    ["an unknown property", { text: "hi", admin: true }],
  ])("rejects %s with 400, storing nothing", async (_case, payload) => {
    const response = await app.inject({ method: "POST", url: "/notes", payload });
    expect(response.statusCode).toBe(400);
  });

  it("refuses a limit out of range with 400", async () => {
    expect((await app.inject({ method: "GET", url: "/notes?limit=0" })).statusCode).toBe(400);
    expect((await app.inject({ method: "GET", url: "/notes?limit=101" })).statusCode).toBe(400);
  });

  it("is ready while the database answers", async () => {
    const response = await app.inject({ method: "GET", url: "/ready" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ready" });
  });

  it("applying the migrations again changes nothing", async () => {
    expect(await migrate(databaseUrl ?? "")).toEqual([]);
  });
});
