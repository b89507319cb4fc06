// A throw-away self-hosted turbo remote cache (npm package turborepo-remote-cache, local storage) for tests.
//
//   const cache = await startTurboCache();
//   await run(turbo, ["run", "build"], { cwd: repo, env: turboEnv(cache.env) });
//   await cache.stop();
//
// `env` carries TURBO_API, TURBO_TOKEN and TURBO_TEAM (plus telemetry off and NO_PROXY for loopback). Note that
// turbo treats an unreachable cache or a rejected token as a warning: it re-runs the tasks and exits 0, so tests
// must assert cache hits (summary JSON or "cache hit, replaying logs"), not exit codes.
//
// Only Node builtins. The server lives in scripts/tools/turbo-cache (installed by scripts/setup/tools.sh, which is
// run here and is a no-op when up to date).
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureTools, fetchWithTimeout, loopbackNoProxy, repoRoot, startService } from "./registry.ts";

export interface TurboCache {
  /** e.g. http://127.0.0.1:40123 (no trailing slash, as TURBO_API expects). */
  api: string;
  token: string;
  team: string;
  /** TURBO_API, TURBO_TOKEN, TURBO_TEAM, TURBO_TELEMETRY_DISABLED, DO_NOT_TRACK, NO_PROXY/no_proxy: merge into turbo's env. */
  env: Record<string, string>;
  /** Where artifacts are written: <storageDir>/<team>/<hash>.tar.zst (or similar). */
  storageDir: string;
  /** Milliseconds from spawn to first answer (for reports). */
  startMs: number;
  /** Artifact files currently stored for the team. */
  artifacts(): Promise<string[]>;
  logs(): string;
  stop(): Promise<void>;
}

export interface TurboCacheOptions {
  team?: string;
  /** Keep the storage dir after stop(); also SHIPYARD_KEEP_TMP=1. */
  keep?: boolean;
}

const SERVER = join(repoRoot, "scripts/tools/turbo-cache/node_modules/turborepo-remote-cache/dist/cli.js");

// The server validates its whole environment against a schema (HOST, PORT, LOG_*, STORAGE_*, S3_*, JWT_*…), so it
// gets a minimal environment rather than the test process's.
const PASS_THROUGH = ["PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR"];

export async function startTurboCache(options: TurboCacheOptions = {}): Promise<TurboCache> {
  await ensureTools("turbo-cache");
  const keep = options.keep ?? process.env.SHIPYARD_KEEP_TMP === "1";
  const storageDir = await mkdtemp(join(tmpdir(), "shipyard-turbo-cache-"));
  const token = randomBytes(24).toString("hex");
  const team = options.team ?? "shipyard-test";
  try {
    const service = await startService({
      name: "turborepo-remote-cache",
      script: SERVER,
      cwd: storageDir,
      args: () => [],
      env: (port) => {
        const env: NodeJS.ProcessEnv = {};
        for (const key of PASS_THROUGH) if (process.env[key] !== undefined) env[key] = process.env[key];
        return {
          ...env,
          NODE_ENV: "production",
          HOST: "127.0.0.1",
          PORT: String(port),
          AUTH_MODE: "static",
          TURBO_TOKEN: token,
          STORAGE_PROVIDER: "local",
          STORAGE_PATH: storageDir,
          // Default true: STORAGE_PATH would be taken relative to os.tmpdir().
          STORAGE_PATH_USE_TMP_FOLDER: "false",
          LOG_LEVEL: "warn",
          ENABLE_STATUS_LOG: "false",
        };
      },
      ready: async (port) => {
        const res = await fetchWithTimeout(`http://127.0.0.1:${port}/v8/artifacts/status?slug=${team}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return res.ok;
      },
      startTimeoutMs: 60_000,
    });
    const api = `http://127.0.0.1:${service.port}`;
    let stopped: Promise<void> | undefined;
    return {
      api,
      token,
      team,
      env: {
        TURBO_API: api,
        TURBO_TOKEN: token,
        TURBO_TEAM: team,
        TURBO_TELEMETRY_DISABLED: "1",
        DO_NOT_TRACK: "1",
        NO_PROXY: loopbackNoProxy(),
        no_proxy: loopbackNoProxy(),
      },
      storageDir,
      startMs: service.startMs,
      artifacts: async () => {
        try {
          return (await readdir(join(storageDir, team))).sort();
        } catch {
          return [];
        }
      },
      logs: service.logs,
      stop: () => {
        stopped ??= (async () => {
          await service.stop();
          if (!keep) await rm(storageDir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  } catch (error) {
    if (!keep) await rm(storageDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * `base` (default process.env) without inherited TURBO_* variables (TURBO_CACHE_DIR, TURBO_CACHE, TURBO_FORCE,
 * TURBO_REMOTE_ONLY… would change what a run reads or writes), plus `cacheEnv` (a TurboCache's env or a variant).
 */
export function turboEnv(cacheEnv: Record<string, string>, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) if (!/^TURBO_/.test(key)) env[key] = value;
  return { ...env, ...cacheEnv };
}
