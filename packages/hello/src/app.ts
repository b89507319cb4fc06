import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";

/** The request body of POST /greetings, checked by Fastify against greetingSchema before the handler runs. */
interface GreetingRequest {
  name: string;
  language?: "en" | "es";
}

const greetingSchema = {
  body: {
    type: "object",
    required: ["name"],
    additionalProperties: false,
    properties: {
      name: { type: "string", minLength: 1, maxLength: 100 },
      language: { type: "string", enum: ["en", "es"] },
    },
  },
} as const;

/**
 * Builds the HTTP application without starting it: tests call it directly (app.inject), src/server.ts listens.
 * Keep routes here and process concerns (ports, signals) in server.ts.
 */
export function buildApp(options: FastifyServerOptions = {}): FastifyInstance {
  const app = Fastify(options);

  // Clever Cloud (CC_HEALTH_CHECK_PATH) and the Docker HEALTHCHECK call this: it must answer 200 quickly.
  app.get("/health", async () => ({ status: "ok" }));

  // An example JSON route. A body that does not match the schema gets a 400 with a JSON error from Fastify.
  app.post<{ Body: GreetingRequest }>("/greetings", { schema: greetingSchema }, async (request, reply) => {
    const { name, language = "en" } = request.body;
    const greeting = language === "es" ? "Hola" : "Hello";
    return reply.code(201).send({ message: `${greeting}, ${name}!` });
  });

  return app;
}
