import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
{{#if (eq database "postgres")}}
import type pg from "pg";
import { Type } from "typebox";
import { databaseReady } from "./db.ts";
{{/if}}
import { greetingRoutes } from "./routes/greetings.ts";
{{#if (eq database "postgres")}}
import { noteRoutes } from "./routes/notes.ts";

/** What the routes need from outside: the database's connection pool (src/db.ts), opened and closed by server.ts. */
export interface AppDependencies {
  pool: pg.Pool;
}

export const Readiness = Type.Object({ status: Type.Enum(["ready", "unavailable"]) }, { additionalProperties: false });
{{/if}}

/**
 * Builds the HTTP application without starting it: tests call it directly (app.inject), src/server.ts listens.
 * Keep routes here and in src/routes/, and process concerns (ports, signals, settings) in server.ts.
 */
{{#if (eq database "postgres")}}
export function buildApp(options: FastifyServerOptions, { pool }: AppDependencies): FastifyInstance {
{{else}}
export function buildApp(options: FastifyServerOptions = {}): FastifyInstance {
{{/if}}
  const app = Fastify({
    ...options,
    // Fastify's default removes properties a schema does not allow; keep them, so `additionalProperties: false`
    // answers 400 (https://fastify.dev/docs/latest/Reference/Validation-and-Serialization/#validator-compiler).
    ajv: { customOptions: { removeAdditional: false } },
  });

  // Clever Cloud (CC_HEALTH_CHECK_PATH) and the Docker HEALTHCHECK call this: it must answer 200 quickly.
  app.get("/health", async () => ({ status: "ok" }));
{{#if (eq database "postgres")}}

  // Readiness, unlike liveness: whether this instance can serve what needs the database. 503 while the database
  // cannot be reached (a load balancer or an orchestrator stops sending traffic), 200 again once it answers.
  app.get("/ready", { schema: { response: { 200: Readiness, 503: Readiness } } }, async (_request, reply) =>
    (await databaseReady(pool)) ? { status: "ready" as const } : reply.code(503).send({ status: "unavailable" as const }),
  );
{{/if}}

  app.register(greetingRoutes, { prefix: "/greetings" });
{{#if (eq database "postgres")}}
  app.register(noteRoutes, { prefix: "/notes", pool });
{{/if}}

  return app;
}
