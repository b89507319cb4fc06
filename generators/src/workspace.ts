import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { acquireLock } from "./engine/lock.js";
import { recoverInterrupted, STAGING_DIR } from "./engine/transaction.js";
import { Tree } from "./engine/tree.js";
import { ShipyardError } from "./errors.js";
import { isShipyardRepo } from "./state/store.js";

/** The generator package's own folder (`generators/` in a repository, the package root when installed). */
export const generatorDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export function generatorVersion(): string {
  return (JSON.parse(readFileSync(join(generatorDir, "package.json"), "utf8")) as { version: string }).version;
}

/**
 * Templates shipped with this generator: inside the published package they sit in the package
 * (copied there by `prepack`); in a repository they are the sibling `templates/` folder.
 */
export function bundledTemplatesDir(): string {
  const packaged = join(generatorDir, "templates");
  return existsSync(packaged) ? packaged : join(generatorDir, "..", "templates");
}

/** create-shipyard run from a clone of Shipyard, packed: the way that works before (and without) the npm release. */
export function createFromClone(dir: string): string {
  return `npm pack -w create-shipyard && npm exec --package=./create-shipyard-${generatorVersion()}.tgz -- create-shipyard ${dir}`;
}

/** Walks up from `cwd` to the repository Shipyard manages (the folder with `.shipyard/config.json`). */
export function findRepoRoot(cwd: string): string {
  let current = resolve(cwd);
  for (;;) {
    if (isShipyardRepo(current)) return current;
    const parent = dirname(current);
    if (parent === current) {
      throw new ShipyardError(
        "NOT_A_SHIPYARD_REPO",
        `No Shipyard repository here (no .shipyard/config.json in ${resolve(cwd)} or above).`,
        // create-shipyard is not on npm until a release tag publishes it: lead with what works today (as the README does).
        `Create one from a clone of Shipyard, after npm install: ${createFromClone("../my-platform")} (or "Use this template" on GitHub). Once create-shipyard is released on npm: npm create shipyard@latest my-platform.`,
      );
    }
    current = parent;
  }
}

/** A repository's own templates: what `add` and `update` render. */
export function repoTemplatesDir(root: string): string {
  return join(root, "templates");
}

export interface Repository {
  root: string;
  tree: Tree;
}

/**
 * The repository around `cwd`, opened for one command: the lock taken (so what it plans from cannot change under
 * it, and no other command writes meanwhile), and what a killed run left rolled back, which it says on stderr.
 * A dry run (`readOnly`) rolls nothing back: it says that the next writing command will.
 */
export function openRepository(cwd: string, options: { readOnly: boolean }): Repository {
  const root = findRepoRoot(cwd);
  const tree = new Tree(root);
  acquireLock(tree.diskPath(STAGING_DIR, "the staging folder"), undefined, root);
  for (const note of recoverInterrupted(root, STAGING_DIR, options.readOnly)) process.stderr.write(`shipyard: ${note}\n`);
  return { root, tree };
}
