// Build and run container images with podman in end-to-end tests (no Docker daemon on the dev/CI machine).
//
//   if (!podmanAvailable()) skip;
//   await ensureBaseImage(24);                          // local stand-in for node:24-bookworm-slim (Docker Hub is unreachable)
//   const { seconds, output } = await buildImage({ context: dir, dockerfile: "Dockerfile", tag: "svc-test" });
//   const c = await runContainer({ image: "svc-test", hostPort: 18080 });
//   await waitForHttp("http://127.0.0.1:18080/health", 10_000);
//   const { exitCode } = await c.stop(10);
//
// Setup: scripts/setup/podman.sh (packages + /etc/shipyard/containers.conf), scripts/setup/node-base-image.sh <major>.
// Every podman call uses that containers.conf: without it containers fail on this VM (rlimits, cgroups).
// Only Node builtins.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const CONTAINERS_CONF = "/etc/shipyard/containers.conf";
const podmanEnv = { ...process.env, CONTAINERS_CONF };

export const baseImageTag = (major: number) => `docker.io/library/node:${major}-bookworm-slim`;

/** Runs podman to completion; resolves with stdout+stderr interleaved as printed (what a user would see). */
async function podman(args: readonly string[], { check = true, timeoutMs = 600_000, env = {} as Record<string, string> | undefined } = {}) {
  const started = performance.now();
  return new Promise<{ code: number | null; output: string; stdout: string; seconds: number }>((res, rej) => {
    const child = spawn("podman", args, { env: { ...podmanEnv, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d;
      stdout += d;
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", rej);
    child.on("close", (code) => {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      if (check && code !== 0) rej(new Error(`podman ${args.join(" ")} exited ${code}\n${output}`));
      else res({ code, output, stdout, seconds });
    });
  });
}

/** True when podman is installed and configured (scripts/setup/podman.sh has run). Cheap: meant for skipIf. */
export function podmanAvailable(): boolean {
  if (!existsSync(CONTAINERS_CONF)) return false;
  return spawnSync("podman", ["--version"], { env: podmanEnv, stdio: "ignore" }).status === 0;
}

/** Builds the local node:<major>-bookworm-slim stand-in unless it exists (~45 s the first time, ~15 s per extra major). */
export function ensureBaseImage(major: number): void {
  if (spawnSync("podman", ["image", "exists", baseImageTag(major)], { env: podmanEnv }).status === 0) return;
  const script = join(repoRoot, "scripts/setup/node-base-image.sh");
  const r = spawnSync(script, [String(major)], { env: podmanEnv, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${script} ${major} failed (${r.status})\n${r.stdout}${r.stderr}`);
}

export interface BuildOptions {
  context: string;
  /** Relative to context, or absolute. */
  dockerfile?: string;
  tag: string;
  buildArgs?: Record<string, string>;
  /** Build secrets, `--secret id=<id>,src=<file>`: mounted by `RUN --mount=type=secret,id=<id>` only. */
  secrets?: Record<string, string>;
  /** `--network` for RUN steps, e.g. "host" to reach a registry listening on the host's loopback. */
  network?: string;
  /** `--target`: build up to this stage and tag it. */
  target?: string;
  /** Extra environment for podman (proxy settings such as NO_PROXY reach RUN steps). */
  env?: Record<string, string>;
  /** Check the exit code (default true); false resolves with `code` so a test can expect a failure. */
  check?: boolean;
}

/**
 * `podman build --pull=never`: the base image must come from ensureBaseImage, never from a registry.
 * --format docker keeps HEALTHCHECK (the default OCI format drops it with a warning).
 * Proxy variables (HTTP[S]_PROXY) of this process reach RUN steps by default (--http-proxy=true).
 */
export async function buildImage({ context, dockerfile = "Dockerfile", tag, buildArgs = {}, secrets = {}, network, target, env, check = true }: BuildOptions) {
  const args = ["build", "--pull=never", "--format", "docker", "-f", resolve(context, dockerfile), "-t", tag];
  for (const [k, v] of Object.entries(buildArgs)) args.push("--build-arg", `${k}=${v}`);
  for (const [id, src] of Object.entries(secrets)) args.push("--secret", `id=${id},src=${src}`);
  if (network) args.push("--network", network);
  if (target) args.push("--target", target);
  args.push(context);
  const r = await podman(args, { check: false, env });
  if (check && r.code !== 0) throw new Error(`podman build of ${tag} failed (exit ${r.code}):\n${r.output}`);
  return { code: r.code, seconds: r.seconds, output: r.output };
}

/**
 * `podman save` of the images into one docker-archive (layers shared between them stored once), unpacked with the
 * system tar into `dir`: every layer tarball, image config (its history included) and manifest, as files.
 */
export async function saveImages(tags: readonly string[], dir: string): Promise<string[]> {
  const archive = join(dir, "images.tar");
  await podman(["save", "--multi-image-archive", "--format", "docker-archive", "-o", archive, ...tags]);
  const unpacked = join(dir, "unpacked");
  mkdirSync(unpacked);
  const r = spawnSync("tar", ["-xf", archive, "-C", unpacked], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tar -xf ${archive} failed: ${r.stderr}`);
  rmSync(archive);
  const files: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(d, entry.name));
      else if (entry.isFile()) files.push(join(d, entry.name));
    }
  };
  walk(unpacked);
  return files;
}

export interface BuildStep {
  /** 1-based stage number (1 for single-stage builds). */
  stage: number;
  /** The instruction as podman echoes it, e.g. "RUN npm ci". */
  instruction: string;
  /** podman printed "--> Using cache" for this step. FROM steps are never reported as cached. */
  cached: boolean;
}

/**
 * Which build steps were layer-cache hits, parsed from buildImage's output.
 * Limitation: podman builds independent stages concurrently (even with --jobs=1) and its "--> Using cache" lines
 * do not name their stage, so a hit printed right after another stage's last step can be credited to that step.
 * Trust it for a step followed by more steps of its own stage (e.g. `RUN npm ci`); check late steps by what they
 * print instead.
 */
export function layerCacheReport(buildOutput: string): BuildStep[] {
  const steps: BuildStep[] = [];
  let current: BuildStep | undefined;
  for (const line of buildOutput.split("\n")) {
    // Multi-stage: "[1/2] STEP 4/5: RUN npm ci"; single-stage: "STEP 4/5: RUN npm ci".
    const m = /^(?:\[(\d+)\/\d+\] )?STEP \d+\/\d+: (.*)$/.exec(line);
    if (m) {
      current = { stage: Number(m[1] ?? 1), instruction: m[2] ?? "", cached: false };
      steps.push(current);
    } else if (current && line.startsWith("--> Using cache")) current.cached = true;
  }
  return steps;
}

export interface RunOptions {
  image: string;
  hostPort: number;
  /** Defaults to the first port the image EXPOSEs. */
  containerPort?: number;
  env?: Record<string, string>;
  /** "host": the container shares this machine's network (it reaches servers on 127.0.0.1, such as a test
   *  PostgreSQL); nothing is published, so the server must listen on hostPort itself (PORT is set to it). */
  network?: "host";
}

export interface RunningContainer {
  id: string;
  /** `podman stop -t <timeout>` (SIGTERM, then SIGKILL), then removes the container. */
  stop(timeoutSeconds?: number): Promise<{ exitCode: number; seconds: number }>;
  logs(): Promise<string>;
  exec(cmd: string[]): Promise<string>;
  /** Runs the image's HEALTHCHECK once (`podman healthcheck run`): true when healthy. */
  healthcheck(): Promise<boolean>;
}

/** `podman run -d`, published on 127.0.0.1:<hostPort>. Call stop() (e.g. in afterAll) to remove it. */
export async function runContainer({ image, hostPort, containerPort, env = {}, network }: RunOptions): Promise<RunningContainer> {
  // No systemd here: the automatic healthcheck timer would only log errors, so disable it; healthcheck() runs it.
  const args = ["run", "-d", "--health-interval=disable"];
  if (network === "host") {
    args.push("--network=host");
    env = { ...env, PORT: String(hostPort) };
  } else {
    const port = containerPort ?? (await exposedPorts(image))[0];
    if (port === undefined) throw new Error(`${image} EXPOSEs no port: pass containerPort`);
    args.push("-p", `127.0.0.1:${hostPort}:${port}`);
  }
  for (const [k, v] of Object.entries(env)) args.push("-e", `${k}=${v}`);
  const id = (await podman([...args, image])).stdout.trim();
  let removed = false;
  return {
    id,
    async stop(timeoutSeconds = 10) {
      const { seconds } = await podman(["stop", "-t", String(timeoutSeconds), id]);
      const exitCode = Number((await podman(["inspect", "--format", "{{.State.ExitCode}}", id])).stdout.trim());
      if (!removed) await podman(["rm", "-f", id]);
      removed = true;
      return { exitCode, seconds };
    },
    async logs() {
      return (await podman(["logs", id])).output;
    },
    async exec(cmd) {
      return (await podman(["exec", id, ...cmd])).stdout;
    },
    async healthcheck() {
      return (await podman(["healthcheck", "run", id], { check: false })).code === 0;
    },
  };
}

/** Polls until the URL answers at all (any status); returns that answer. Throws after timeoutMs. */
export async function waitForHttp(url: string, timeoutMs = 10_000) {
  const started = performance.now();
  let lastError: unknown;
  while (performance.now() - started < timeoutMs) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return { status: res.status, body: await res.text(), ms: Math.round(performance.now() - started) };
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}

async function inspectImage(tag: string, format: string) {
  return (await podman(["image", "inspect", "--format", format, tag])).stdout.trim();
}

/** Uncompressed size in bytes, base layers included (what `podman images` shows). */
export async function imageSize(tag: string): Promise<number> {
  return Number(await inspectImage(tag, "{{.Size}}"));
}

/** The image's USER ("" means root). */
export async function imageUser(tag: string): Promise<string> {
  return inspectImage(tag, "{{.Config.User}}");
}

async function exposedPorts(tag: string): Promise<number[]> {
  const json = await inspectImage(tag, "{{json .Config.ExposedPorts}}");
  return Object.keys(JSON.parse(json || "{}") ?? {}).map((p) => Number.parseInt(p, 10));
}

/**
 * Which of the given absolute paths exist in the image (e.g. expect none of ["/app/src", "/app/.env"]).
 * Mounts the image read-only on the host (root + overlay) instead of starting a container, so it works even for
 * images without a shell. lstat: a symlink counts as present and is not followed out of the image.
 */
export async function existingPaths(tag: string, paths: readonly string[]): Promise<string[]> {
  const mountpoint = (await podman(["image", "mount", tag])).stdout.trim();
  try {
    return paths.filter((p) => {
      try {
        lstatSync(join(mountpoint, p));
        return true;
      } catch {
        return false;
      }
    });
  } finally {
    await podman(["image", "unmount", tag]);
  }
}

/** podman, synchronously; throws with its stderr on a non-zero exit; returns stdout. */
function podmanSync(args: string[]): string {
  const r = spawnSync("podman", args, { env: podmanEnv, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.status !== 0) throw new Error(`podman ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Every path under `root` in the image (folders end in /), symlinks listed but not followed. Read from a mount. */
export function imageTree(image: string, root = "/app"): string[] {
  const mountpoint = podmanSync(["image", "mount", image]).trim();
  try {
    const paths: string[] = [];
    const walk = (rel: string) => {
      for (const entry of readdirSync(join(mountpoint, root, rel))) {
        const path = rel ? `${rel}/${entry}` : entry;
        const stat = lstatSync(join(mountpoint, root, path));
        if (stat.isDirectory()) {
          paths.push(`${path}/`);
          walk(path);
        } else paths.push(path);
      }
    };
    walk("");
    return paths;
  } finally {
    podmanSync(["image", "unmount", image]);
  }
}

/** Why the image would run as root, or undefined: its USER, and the uid a container of it really gets. */
export async function rootProblem(image: string): Promise<string | undefined> {
  const user = await imageUser(image);
  if (user === "" || /^(root|0)(:|$)/.test(user)) return `the final stage runs as root (USER ${user === "" ? "not set" : user})`;
  const uid = podmanSync(["run", "--rm", "--entrypoint", "id", image, "-u"]).trim();
  return uid === "0" ? `containers run as uid 0 although USER is ${user}` : undefined;
}

/**
 * Names of the npm packages installed anywhere in a tree listing (node_modules/<name>, node_modules/@scope/<name>,
 * at any depth: pnpm's node_modules/.pnpm/<name>@<v>/node_modules/<name> and bun's .bun/ store count too).
 */
export function installedPackages(tree: string[]): Set<string> {
  const names = new Set<string>();
  for (const path of tree) {
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/@][^/]*)\/package\.json$/.exec(path);
    if (m?.[1]) names.add(m[1]);
  }
  return names;
}

/** Removes the image (and its containers); no error if it does not exist. */
export async function removeImage(tag: string): Promise<void> {
  await podman(["rmi", "-f", "--ignore", tag]);
}

