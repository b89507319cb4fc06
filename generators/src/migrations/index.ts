import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Answers } from "../engine/answers.js";
import type { RepoConfig, Unit } from "../state/store.js";

/**
 * Versioned migrations: code for the changes a three-way merge cannot express, such as moving every service to a
 * new Node.js major (an answer, not a template line) or renaming an answer. Each lives in this folder as
 * `NNNN-what-it-does.ts`, exporting `description` and `migrate(context)`. `shipyard upgrade` runs, in order, the
 * ones a repository has not run yet (recorded in .shipyard/config.json), on the state in memory, before the update
 * re-renders anything, so a migration and the update that follows land together or not at all.
 */
export interface MigrationContext {
  config: RepoConfig;
  /** Every generated unit; a migration changes `answers` in place. */
  units: Unit[];
}

export interface Migration {
  id: string;
  description: string;
  migrate(context: MigrationContext): void;
}

const MIGRATION_FILE = /^\d{4}-[a-z0-9-]+\.js$/;
const here = dirname(fileURLToPath(import.meta.url));

/** The ids of every migration this version ships: a new repository has, in effect, already run them all. */
export function shippedMigrationIds(): string[] {
  return readdirSync(here)
    .filter((file) => MIGRATION_FILE.test(file))
    .sort()
    .map((file) => file.slice(0, -".js".length));
}

export async function pendingMigrations(config: RepoConfig): Promise<Migration[]> {
  const pending = shippedMigrationIds().filter((id) => !config.migrations.includes(id));
  return Promise.all(
    pending.map(async (id) => {
      const module = (await import(pathToFileURL(`${here}/${id}.js`).href)) as Omit<Migration, "id">;
      return { id, description: module.description, migrate: module.migrate };
    }),
  );
}

/** Helper for migrations: every unit made from a given template. */
export function unitsOf(context: MigrationContext, template: string): Array<Unit & { answers: Answers }> {
  return context.units.filter((unit) => unit.template === template);
}
