import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ShipyardError } from "./errors.js";

/** A newer Shipyard to upgrade to: its generator package and its templates, on disk. */
export interface ShipyardSource {
  generatorsDir: string;
  templatesDir: string;
  version: string;
  /** True when the source was unpacked into a temporary folder that `dispose` removes. */
  temporary: boolean;
  dispose(): void;
}

const fail = (message: string, hint?: string): never => {
  throw new ShipyardError("UPGRADE_SOURCE", message, hint);
};

function fromFolder(dir: string, temporary: boolean, dispose: () => void): ShipyardSource {
  // A Shipyard repository (generators/ + templates/) or the create-shipyard package itself (templates inside).
  const generatorsDir = existsSync(join(dir, "generators", "package.json")) ? join(dir, "generators") : dir;
  const templatesDir = existsSync(join(generatorsDir, "templates")) ? join(generatorsDir, "templates") : join(dir, "templates");
  let manifest: { name?: string; version?: string } = {};
  try {
    manifest = JSON.parse(readFileSync(join(generatorsDir, "package.json"), "utf8"));
  } catch {
    // reported below
  }
  if (manifest.name !== "create-shipyard" || !existsSync(templatesDir)) {
    fail(`${dir} is neither a Shipyard repository nor the create-shipyard package.`);
  }
  if (!existsSync(join(generatorsDir, "dist", "cli", "shipyard.js"))) {
    fail(`${generatorsDir} is not built.`, `Build it first: npm run build -w create-shipyard (in ${dir}).`);
  }
  return { generatorsDir, templatesDir, version: manifest.version ?? "0.0.0", temporary, dispose };
}

function unpack(tarball: string): ShipyardSource {
  const dir = mkdtempSync(join(tmpdir(), "shipyard-upgrade-"));
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  try {
    execFileSync("tar", ["-xzf", tarball, "-C", dir], { stdio: "pipe" });
  } catch (error) {
    dispose();
    fail(`Could not unpack ${tarball}: ${(error as Error).message.split("\n")[0]}`);
  }
  return fromFolder(join(dir, "package"), true, dispose);
}

/** `--from` accepts a folder, a tarball (`npm pack` of create-shipyard) or a version/tag of the npm package. */
export function resolveSource(from: string, cwd: string): ShipyardSource {
  const path = resolve(cwd, from);
  if (existsSync(path)) {
    return statSync(path).isDirectory() ? fromFolder(path, false, () => {}) : unpack(path);
  }
  if (/[\\/]/.test(from) || /\.(tgz|tar\.gz)$/.test(from)) fail(`${from} does not exist.`);
  const dir = mkdtempSync(join(tmpdir(), "shipyard-pack-"));
  try {
    const name = execFileSync("npm", ["pack", `create-shipyard@${from}`, "--pack-destination", dir, "--silent"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
    const source = unpack(join(dir, name.split("\n").pop() as string));
    return {
      ...source,
      dispose: () => {
        source.dispose();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    if (error instanceof ShipyardError) throw error;
    return fail(`Could not fetch create-shipyard@${from} from the npm registry.`, (error as Error).message.split("\n")[0]);
  }
}
