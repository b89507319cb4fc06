import { pathToFileURL } from "node:url";
import { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from "fastify";
import { buildApp } from "./app.ts";

export interface ServerOptions {
  port: number;
  host: string;
  logger: boolean;
  /** A log line per request: useful to watch traffic, but it costs about a third of the throughput. */
  logRequests: boolean;
}

/** Reads the settings the platform gives: Clever Cloud sets PORT (always 8080) and expects 0.0.0.0. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): ServerOptions {
  const port = Number(env.PORT ?? "8080");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a whole number from 0 to 65535, got "${env.PORT}"`);
  }
  return { port, host: env.HOST ?? "0.0.0.0", logger: env.LOG_LEVEL !== "silent", logRequests: env.LOG_REQUESTS === "true" };
}

/**
 * A log line per request only when asked for (LOG_REQUESTS=true): they cost about a third of the throughput.
 * Requests that fail are always logged.
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
}

/** Starts listening; logs are JSON lines on stdout (what Clever Cloud and `docker logs` collect). */
export async function startServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = buildApp({
    logger: options.logger ? { level: process.env.LOG_LEVEL ?? "info" } : false,
    logController: new RequestLogs(options.logRequests),
  });
  await app.listen({ port: options.port, host: options.host });
  return app;
}

/**
 * On SIGTERM (a redeploy, `docker stop`) or SIGINT (Ctrl+C): stop accepting connections, let requests in flight
 * finish, then exit 0. Without this, node running as PID 1 in a container ignores SIGTERM and is killed after 10 s.
 */
export function stopOnSignals(app: FastifyInstance, graceMs = 10_000): void {
  const stop = async (signal: NodeJS.Signals) => {
    app.log.info({ signal }, "shutting down");
    const forced = setTimeout(() => {
      app.log.error("requests still running after the grace period; exiting");
      process.exit(1);
    }, graceMs);
    forced.unref();
    await app.close();
    process.exit(0);
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

// Run only when started as a program (`node dist/server.js`), not when a test imports this module.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const app = await startServer(optionsFromEnv());
  stopOnSignals(app);
}
