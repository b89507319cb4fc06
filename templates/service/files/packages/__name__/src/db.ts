import pg from "pg";

/**
 * Where the database is, in the order they are read. Clever Cloud's PostgreSQL add-on gives a linked app
 * POSTGRESQL_ADDON_URI; DATABASE_URL is the name most other platforms, tools and the CI workflow use.
 */
export const DATABASE_URL_VARIABLES = ["POSTGRESQL_ADDON_URI", "DATABASE_URL"] as const;

/** The database's URL and the variable it came from (error messages name the variable, never the URL). */
export interface DatabaseSetting {
  url: string;
  variable: (typeof DATABASE_URL_VARIABLES)[number];
}

/**
 * Reads the database's URL from the environment and refuses one that cannot work, with a message that names the
 * variable. The value itself is never repeated in a message: it holds the password.
 */
export function databaseFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseSetting {
  for (const variable of DATABASE_URL_VARIABLES) {
    const url = env[variable];
    if (url === undefined || url === "") continue;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`${variable} must be a URL such as postgresql://user:password@host:5432/database, and it is not one`);
    }
    if (parsed.protocol !== "postgresql:" && parsed.protocol !== "postgres:") {
      throw new Error(`${variable} must start with postgresql://, not ${parsed.protocol}//`);
    }
    if (parsed.hostname === "") throw new Error(`${variable} must name the database's host (postgresql://user:password@host:5432/database)`);
    return { url, variable };
  }
  throw new Error(`${DATABASE_URL_VARIABLES.join(" or ")} must be set to the database's URL (postgresql://user:password@host:5432/database)`);
}

/** `host:port/database` of a URL: enough to say which database, without the user name and password. */
export function describeDatabase(url: string): string {
  const { hostname, port, pathname } = new URL(url);
  return `${hostname}:${port || 5432}${pathname}`;
}

/**
 * A pool of connections (node-postgres): each query borrows one and gives it back, so concurrent requests do not
 * wait for each other and no connection is opened per request. It connects lazily, on the first query.
 */
export function createPool(url: string, { max = 10, onIdleError = (_error: Error) => {} } = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    // Fail a query fast when the database cannot be reached, instead of making the client wait.
    connectionTimeoutMillis: 2_000,
    idleTimeoutMillis: 30_000,
  });
  // A connection waiting in the pool can be dropped by the server (a restart, a failover). The pool discards it
  // and opens another on the next query; without this listener, the 'error' event would end the process.
  pool.on("error", onIdleError);
  return pool;
}

/** Whether the database answers a trivial query now: what the readiness check (GET /ready) reports. */
export async function databaseReady(pool: pg.Pool): Promise<boolean> {
  try {
    await pool.query("SELECT 1");
    return true;
  } catch {
    return false;
  }
}
