import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { type Static, Type } from "typebox";

/**
 * The shapes of POST /greetings, written once. Each is a JSON schema (what Fastify validates requests against and
 * serializes answers with) and, through TypeBox's Static, the TypeScript type of the same thing: they cannot drift.
 */
export const GreetingRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    language: Type.Optional(Type.Enum(["en", "es"])),
  },
  // An unknown property is a mistake in the request: answer 400 instead of silently dropping it.
  { additionalProperties: false },
);
export type GreetingRequest = Static<typeof GreetingRequest>;

export const Greeting = Type.Object({ message: Type.String() }, { additionalProperties: false });
export type Greeting = Static<typeof Greeting>;

const greetings = { en: "Hello", es: "¡Hola" } as const;

/**
 * The greeting routes, as a Fastify plugin: app.ts adds them with `app.register(greetingRoutes, { prefix })`. A
 * plugin gets its own encapsulated context, so the hooks and decorators it adds stay inside it
 * (https://fastify.dev/docs/latest/Reference/Encapsulation/). FastifyPluginAsyncTypebox types `request.body` and
 * the reply from the schemas above (https://fastify.dev/docs/latest/Reference/Type-Providers/).
 */
export const greetingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // A body that does not match GreetingRequest gets a 400 with a JSON error from Fastify; the handler never runs.
  // The response schema is enforced too: a field it does not declare never reaches the client.
  app.post("/", { schema: { body: GreetingRequest, response: { 201: Greeting } } }, async (request, reply) => {
    const { name, language = "en" } = request.body;
    return reply.code(201).send({ message: `${greetings[language]}, ${name}!` });
  });
};
