// Handlebars alone: read the service template's manifest, render every file (noEscape, Shipyard's helpers) for the
// default answers and runtime=node, write them. What Shipyard does, minus its CLI, validation, state and staging.
// usage: node handlebars.mjs <destination>     (SHIPYARD_TEMPLATES: the templates folder, default ../../templates)
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import Handlebars from "handlebars";
import shipyardRender from "./shipyard-render.cjs";

const { helpers, sharedData } = shipyardRender;

const destination = process.argv[2];
const templateDir = resolve(process.env.SHIPYARD_TEMPLATES ?? join(import.meta.dirname, "../../templates"), "service");
const handlebars = Handlebars.create();
handlebars.registerHelper(helpers());
const answers = { name: "orders", description: "A Shipyard service.", port: 8080, runtime: "node", node: 24, uses: [], database: "none" };
const data = { ...sharedData(join(templateDir, ".."), handlebars), ...answers };
const manifest = JSON.parse(readFileSync(join(templateDir, "template.json"), "utf8"));
for (const [source, value] of Object.entries(manifest.files)) {
  const spec = typeof value === "string" ? { kind: value } : value;
  if (spec.when && !Object.entries(spec.when).every(([key, expected]) => String(answers[key]) === String(expected))) continue;
  const path = (spec.to ?? source).replace(/__([a-zA-Z][a-zA-Z0-9]*)__/g, (_, key) => String(answers[key]));
  const template = handlebars.compile(readFileSync(join(templateDir, "files", source), "utf8"), { noEscape: true, strict: true });
  const target = join(destination, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, template(data), { flag: "wx" });
}
