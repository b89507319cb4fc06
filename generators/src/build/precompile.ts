// Build step (after tsc): the templates precompiled into dist/precompiled-templates.json, so a render evaluates
// them instead of compiling them (engine/precompiled.ts says why, and why a stale file is harmless). It never fails
// the build: a template that does not compile is left to the render, which names it.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PRECOMPILED_FILE } from "../engine/precompiled.js";
import { precompileTexts } from "../engine/render.js";

const generatorsDir = fileURLToPath(new URL("../..", import.meta.url));
// The repository's templates/ beside generators/; inside a packed create-shipyard, its own copy.
const templatesDir = [join(generatorsDir, "..", "templates"), join(generatorsDir, "templates")].find((dir) => existsSync(dir));

/** The text of every regular file under templates/<name>/files/ (links are not followed: templates are data). */
function templateTexts(dir: string): string[] {
  const texts: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) texts.push(readFileSync(path, "utf8"));
    }
  };
  for (const template of readdirSync(dir, { withFileTypes: true })) {
    const files = join(dir, template.name, "files");
    if (template.isDirectory() && existsSync(files)) walk(files);
  }
  return texts;
}

const file = precompileTexts(templatesDir ? templateTexts(templatesDir) : []);
writeFileSync(join(generatorsDir, "dist", PRECOMPILED_FILE), `${JSON.stringify(file)}\n`);
