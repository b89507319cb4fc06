// Build step (after tsc): the templates precompiled into dist/precompiled-templates.json, so a render evaluates
// them instead of compiling them (engine/precompiled.ts says why, and why a stale file is harmless). It never fails
// the build: a template that does not compile is left to the render, which names it.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { distributionFiles } from "../distribution.js";
import { PRECOMPILED_FILE } from "../engine/precompiled.js";
import { precompileTexts } from "../engine/render.js";
import { bundledTemplatesDir, generatorDir } from "../workspace.js";

/** Every string in a JSON value: a manifest's `directory`, a deploy's `appVariable`, a manager's `packageManager`. */
function* strings(value: unknown): Generator<string> {
  if (typeof value === "string") yield value;
  else if (value && typeof value === "object") for (const inner of Object.values(value)) yield* strings(inner);
}

const templatesDir = bundledTemplatesDir();
const shipped = distributionFiles(templatesDir, "templates");
const read = (path: string) => readFileSync(join(templatesDir, path), "utf8");
// The files a create copies and an upgrade mirrors (regular files only), of each template's files/ folder, and the
// strings of the JSON the generator renders: each template's manifest and the package-manager table.
const files = shipped.filter((path) => /^[^/]+\/files\//.test(path)).map(read);
const manifests = shipped.filter((path) => /^([^/]+\/template|package-managers)\.json$/.test(path)).map(read);
const texts = [...files, ...manifests.flatMap((text) => [...strings(JSON.parse(text))])];
writeFileSync(join(generatorDir, "dist", PRECOMPILED_FILE), `${JSON.stringify(precompileTexts(texts))}\n`);
