import { pathToFileURL } from "node:url";
import { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController } from "fastify";
import { buildApp } from "./app.ts";
{{#if (eq database "postgres")}}
import { createPool, type DatabaseSetting, databaseFromEnv, describeDatabase } from "./db.ts";
{{/if}}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

/** Every setting of the server: read from the environment once, by optionsFromEnv, then passed in. */
export interface ServerOptions {
  port: number;
  host: string;
  logLevel: LogLevel;
  /** A log line per request: useful to watch traffic, but it costs about a third of the throughput. */
  logRequests: boolean;
{{#if (eq database "postgres")}}
  /** The database's URL, from POSTGRESQL_ADDON_URI (Clever Cloud's add-on) or DATABASE_URL. */
  database: DatabaseSetting;
  /** At most this many connections to the database at once (DATABASE_POOL_SIZE). */
  poolSize: number;
{{/if}}
}

/**
 * Reads the settings the platform gives (Clever Cloud sets PORT, always 8080, and expects 0.0.0.0) and refuses
 * a bad value with a message that names it, instead of starting on a port or at a level nobody asked for.
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): ServerOptions {
  const port = env.PORT ?? "{{port}}";
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    throw new Error(`PORT must be a whole number from 1 to 65535, got "${port}"`);
  }
  const host = env.HOST ?? "0.0.0.0";
  if (host.trim() === "") throw new Error('HOST must be an address or a host name, got ""');
  const logLevel = env.LOG_LEVEL ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${logLevel}"`);
  }
  const logRequests = env.LOG_REQUESTS ?? "false";
  if (logRequests !== "true" && logRequests !== "false") throw new Error(`LOG_REQUESTS must be true or false, got "${logRequests}"`);
{{#if (eq database "postgres")}}
  const database = databaseFromEnv(env);
  const poolSize = env.DATABASE_POOL_SIZE ?? "10";
  if (!/^\d+$/.test(poolSize) || Number(poolSize) < 1 || Number(poolSize) > 1000) {
    throw new Error(`DATABASE_POOL_SIZE must be a whole number from 1 to 1000, got "${poolSize}"`);
  }
  return { port: Number(port), host, logLevel: logLevel as LogLevel, logRequests: logRequests === "true", database, poolSize: Number(poolSize) };
{{else}}
  return { port: Number(port), host, logLevel: logLevel as LogLevel, logRequests: logRequests === "true" };
{{/if}}
}

/**
 * Which log lines Fastify writes itself. LogController is Fastify's hook for that; override only what changes
 * (https://fastify.dev/docs/latest/Reference/Server/#factory-log-controller):
 * - a line per request only when asked for (LOG_REQUESTS=true): they cost about a third of the throughput;
 * - a request the client got wrong (4xx: a body that fails validation, a bad JSON) is one info line with its
 *   status, code and message, without a stack trace: it is not the server's fault, so nothing to alarm anyone;
 * - everything else is Fastify's default (5xx at error level, with the stack).
 */
class RequestLogs extends LogController {
  readonly everyRequest: boolean;

  constructor(everyRequest: boolean) {
    super();
    this.everyRequest = everyRequest;
  }

  override incomingRequest(request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (this.everyRequest) super.incomingRequest(request, reply, metadata);
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (this.everyRequest || error) super.requestCompleted(error, request, reply, metadata);
  }

  override defaultErrorLog(error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (reply.statusCode >= 500) super.defaultErrorLog(error, request, reply, metadata);
    else reply.log.info({ statusCode: reply.statusCode, code: error.code, method: request.method, url: request.url }, error.message);
  }
}

/** The Fastify options the settings imply: logs are JSON lines on stdout (what Clever Cloud and `docker logs` collect). */
export function fastifyOptions(options: Pick<ServerOptions, "logLevel" | "logRequests">): FastifyServerOptions {
  return {
    logger: options.logLevel === "silent" ? false : { level: options.logLevel },
    logController: new RequestLogs(options.logRequests),
  };
}

{{#if (eq database "postgres")}}
/** A reason not to start that is not a bug: printed as one line, without a stack trace. */
export class StartError extends Error {}

/**
 * Opens the database's pool, checks that the database answers (a wrong URL, password or host stops the start
 * here, with a message that says so, rather than at the first request), builds the application and listens.
 * The pool is closed when the application closes, after the requests in flight have finished.
 */
export async function startServer(options: ServerOptions): Promise<FastifyInstance> {
  const pool = createPool(options.database.url, { max: options.poolSize });
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    await pool.end();
    const { message, code } = error as { message?: string; code?: string };
    throw new StartError(`cannot reach the database ${describeDatabase(options.database.url)} (${options.database.variable}): ${message || code}`);
  }
  const app = buildApp(fastifyOptions(options), { pool });
  pool.on("error", (error) => app.log.warn({ err: error }, "an idle database connection was closed; the pool opens another"));
  app.addHook("onClose", () => pool.end());
  await app.listen({ port: options.port, host: options.host });
  return app;
}
{{else}}
/** Builds the application with those options and starts listening. */
export async function startServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = buildApp(fastifyOptions(options));
  await app.listen({ port: options.port, host: options.host });
  return app;
}
{{/if}}

export interface StopOptions {
  /** How long requests in flight may take before the process exits anyway, with code 1. */
  graceMs?: number;
  /** Where the signals come from and what ends the process: the process itself, or stand-ins in tests. */
  signals?: Pick<NodeJS.EventEmitter, "on">;
  exit?: (code: number) => void;
}

/**
 * On SIGTERM (a redeploy, `docker stop`) or SIGINT (Ctrl+C): stop accepting connections, let requests in flight
 * finish, then exit 0. Without this, node running as PID 1 in a container ignores SIGTERM and is killed after 10 s.
 * A second signal while shutting down (an impatient Ctrl+C, a platform that sends SIGTERM twice) changes nothing:
 * the shutdown runs once. Returns the function the signals call, which resolves once the shutdown is done.
 */
export function stopOnSignals(app: FastifyInstance, { graceMs = 10_000, signals = process, exit = process.exit }: StopOptions = {}) {
  let stopping: Promise<void> | undefined;
  const stop = (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      app.log.info({ signal }, "already shutting down");
      return stopping;
    }
    app.log.info({ signal }, "shutting down");
    const forced = setTimeout(() => {
      app.log.error("requests still running after the grace period; exiting");
      exit(1);
    }, graceMs);
    forced.unref();
    // A keep-alive connection closes as soon as its request in flight is answered, instead of holding the shutdown
    // open until it times out (Node applies keepAliveTimeout when a response ends); idle ones close() closes itself.
    app.server.keepAliveTimeout = 1;
    stopping = app.close().then(
      () => {
        clearTimeout(forced);
        exit(0);
      },
      (error: unknown) => {
        app.log.error({ err: error }, "shutdown failed");
        exit(1);
      },
    );
    return stopping;
  };
  signals.on("SIGTERM", stop);
  signals.on("SIGINT", stop);
  return stop;
}

// Run only when started as a program (`node dist/server.js`), not when a test imports this module.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let options: ServerOptions;
  try {
    options = optionsFromEnv();
  } catch (error) {
    // A setting is wrong: say which, in one line, and do not start.
    console.error(`Cannot start: ${(error as Error).message}.`);
    process.exit(1);
  }
{{#if (eq database "postgres")}}
  try {
    stopOnSignals(await startServer(options));
  } catch (error) {
    if (!(error instanceof StartError)) throw error;
    console.error(`Cannot start: ${error.message}.`);
    process.exit(1);
  }
{{else}}
  stopOnSignals(await startServer(options));
{{/if}}
}
