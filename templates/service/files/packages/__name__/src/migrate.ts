import { fileURLToPath, pathToFileURL } from "node:url";
import { runner } from "node-pg-migrate";
import { databaseFromEnv, describeDatabase } from "./db.ts";

/**
 * Brings the database's schema up to date: applies, in file-name order, every file of migrations/ not yet recorded
 * in the table pgmigrations. node-pg-migrate holds an advisory lock meanwhile, so two instances starting together
 * cannot both run a migration, and each migration runs in a transaction: a failing one leaves nothing half done.
 * Run before the new version serves: Clever Cloud's CC_PRE_RUN_HOOK, the image's start command, `npm run migrate`.
 */
export async function migrate(databaseUrl: string, log: (message: string) => void = () => {}): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    // migrations/ beside src/ and dist/: the same folder from the sources and from the build.
    dir: fileURLToPath(new URL("../migrations", import.meta.url)),
    direction: "up",
    migrationsTable: "pgmigrations",
    // A migration added before one that already ran is refused instead of silently applied out of order.
    checkOrder: true,
    logger: { debug: () => {}, info: log, warn: log, error: () => {} },
  });
  return applied.map((migration) => migration.name);
}

// Run only when started as a program (`node dist/migrate.js`, `npm run migrate`), not when a test imports it.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let database: ReturnType<typeof databaseFromEnv>;
  try {
    database = databaseFromEnv();
  } catch (error) {
    console.error(`Cannot migrate: ${(error as Error).message}.`);
    process.exit(1);
  }
  try {
    const applied = await migrate(database.url);
    console.log(applied.length ? `Migrated ${describeDatabase(database.url)}: ${applied.join(", ")}.` : `${describeDatabase(database.url)} is up to date.`);
  } catch (error) {
    // One line that says which database and why; the deploy (or the container) stops here with exit 1.
    console.error(`Migration of ${describeDatabase(database.url)} (${database.variable}) failed: ${oneLine(error)}`);
    process.exit(1);
  }
}

function oneLine(error: unknown): string {
  const { message, code } = error as { message?: string; code?: string };
  const text = message || code || String(error);
  return text.replace(/\s+/g, " ").trim();
}
