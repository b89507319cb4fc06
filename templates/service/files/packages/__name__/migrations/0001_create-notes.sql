-- The table of POST /notes and GET /notes. Migrations run in file-name order, once each (node-pg-migrate records
-- them in the table pgmigrations): never edit one that has run anywhere, add the next file instead
-- (`npx node-pg-migrate create <name> --migration-file-language sql -m packages/{{name}}/migrations`).

-- Up Migration
CREATE TABLE notes (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  text text NOT NULL CHECK (length(text) BETWEEN 1 AND 1000),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE notes;
