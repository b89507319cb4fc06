import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type pg from "pg";
import { type Static, Type } from "typebox";

/** The shapes of POST /notes and GET /notes: JSON schemas for Fastify, TypeScript types through Static. */
export const NoteRequest = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 1000 }) },
  // An unknown property is a mistake in the request: answer 400 instead of silently dropping it.
  { additionalProperties: false },
);
export type NoteRequest = Static<typeof NoteRequest>;

export const Note = Type.Object(
  { id: Type.Integer(), text: Type.String(), createdAt: Type.String({ format: "date-time" }) },
  { additionalProperties: false },
);
export type Note = Static<typeof Note>;

export const NoteQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }) },
  { additionalProperties: false },
);

interface NoteRow {
  id: number;
  text: string;
  created_at: Date;
}

const toNote = (row: NoteRow): Note => ({ id: row.id, text: row.text, createdAt: row.created_at.toISOString() });

/**
 * Notes stored in PostgreSQL (the table comes from migrations/0001_create-notes.sql). Values reach SQL as
 * parameters ($1), never pasted into the query text, so no input can change the query. A 201 is sent only after
 * the INSERT has committed: an acknowledged note is stored.
 */
export const noteRoutes: FastifyPluginAsyncTypebox<{ pool: pg.Pool }> = async (app, { pool }) => {
  app.post("/", { schema: { body: NoteRequest, response: { 201: Note } } }, async (request, reply) => {
    const { rows } = await pool.query<NoteRow>("INSERT INTO notes (text) VALUES ($1) RETURNING id, text, created_at", [request.body.text]);
    return reply.code(201).send(toNote(rows[0] as NoteRow));
  });

  // The newest first, `?limit=` of them (20 unless asked).
  app.get("/", { schema: { querystring: NoteQuery, response: { 200: Type.Array(Note) } } }, async (request) => {
    const { rows } = await pool.query<NoteRow>("SELECT id, text, created_at FROM notes ORDER BY id DESC LIMIT $1", [request.query.limit]);
    return rows.map(toNote);
  });
};
