import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { greetingRoutes } from "./routes/greetings.ts";

/**
 * Builds the HTTP application without starting it: tests call it directly (app.inject), src/server.ts listens.
 * Keep routes here and in src/routes/, and process concerns (ports, signals, settings) in server.ts.
 */
export function buildApp(options: FastifyServerOptions = {}): FastifyInstance {
  const app = Fastify({
    ...options,
    // Fastify's default removes properties a schema does not allow; keep them, so `additionalProperties: false`
    // answers 400 (https://fastify.dev/docs/latest/Reference/Validation-and-Serialization/#validator-compiler).
    ajv: { customOptions: { removeAdditional: false } },
  });

  // Clever Cloud (CC_HEALTH_CHECK_PATH) and the Docker HEALTHCHECK call this: it must answer 200 quickly.
  app.get("/health", async () => ({ status: "ok" }));

  app.register(greetingRoutes, { prefix: "/greetings" });

  return app;
}
