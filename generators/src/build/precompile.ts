// Build step (after tsc): the templates precompiled into dist/precompiled-templates.json, so a render evaluates
// them instead of compiling them (engine/precompiled.ts says why, and why a stale file is harmless). It never fails
// the build: a template that does not compile is left to the render, which names it.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { distributionFiles } from "../distribution.js";
import { PRECOMPILED_FILE } from "../engine/precompiled.js";
import { precompileTexts } from "../engine/render.js";
import { bundledTemplatesDir, generatorDir } from "../workspace.js";

const templatesDir = bundledTemplatesDir();
// The files a create copies and an upgrade mirrors (regular files only), of each template's files/ folder.
const texts = distributionFiles(templatesDir, "templates")
  .filter((path) => /^[^/]+\/files\//.test(path))
  .map((path) => readFileSync(join(templatesDir, path), "utf8"));
writeFileSync(join(generatorDir, "dist", PRECOMPILED_FILE), `${JSON.stringify(precompileTexts(texts))}\n`);
