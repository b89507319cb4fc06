import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * The files that make up a Shipyard: what `create` copies into a new repository and `upgrade` mirrors into an
 * existing one, from the generator package (`generators/`) and its templates (`templates/`). One list, so a
 * repository made by create and one upgraded later hold the same files.
 */
export type Part = "generators" | "templates";

/** Per machine (installed, cached) or operating-system litter: never part of it. */
const NEVER = new Set(["node_modules", ".turbo", ".DS_Store"]);
/** At the top of the generator package: its tests stay home, templates have their own folder. */
const NOT_AT_TOP: Record<Part, Set<string>> = { generators: new Set(["test", "templates"]), templates: new Set() };
const NOT_SHIPPED_FILE = /\.(map|tgz)$/;

/** Paths relative to `dir`, forward slashes, sorted. A missing folder has none. */
export function distributionFiles(dir: string, part: Part): string[] {
  const files: string[] = [];
  const walk = (current: string, relative: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (NEVER.has(entry.name) || (relative === "" && NOT_AT_TOP[part].has(entry.name))) continue;
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(join(current, entry.name), path);
      else if (entry.isFile() && !NOT_SHIPPED_FILE.test(entry.name)) files.push(path);
    }
  };
  if (existsSync(dir)) walk(dir, "");
  return files.sort();
}
