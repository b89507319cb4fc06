// What a peer needs to render Shipyard's service template as Shipyard does: its helpers (as generators/src/engine/
// render.ts registers them) and the values every template sees besides its answers, npm's package-manager fields
// among them (templates/package-managers.json, each field rendered with templates/versions.json first).
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const fill = (text, values) => String(text).replace(/<([a-z]+)>/g, (whole, key) => (key in values ? String(values[key]) : whole));

/** name -> helper; `wrap` turns a helper's string into the engine's unescaped form (plop escapes otherwise). */
function helpers(wrap = (text) => text) {
  return {
    json: (value) => wrap(JSON.stringify(value)),
    yaml: (value) => wrap(JSON.stringify(value)),
    shell: (value) => wrap(`'${String(value).replaceAll("'", `'\\''`)}'`),
    constant: (value) => wrap(String(value).toUpperCase().replace(/[^A-Z0-9]+/g, "_")),
    eq: (a, b) => String(a) === String(b),
    concat: (...parts) => wrap(parts.slice(0, -1).map(String).join("")),
    fill: (text, options) => wrap(fill(text, options.hash)),
  };
}

/** scope, shipyardVersion, versions and pm (npm's fields, each through `wrap`) for a templates folder. */
function sharedData(templatesDir, handlebars, wrap = (text) => text) {
  const versions = JSON.parse(readFileSync(join(templatesDir, "versions.json"), "utf8"));
  const table = JSON.parse(readFileSync(join(templatesDir, "package-managers.json"), "utf8"));
  const pm = Object.fromEntries(
    Object.entries(table.managers[table.default]).map(([field, text]) => [field, wrap(handlebars.compile(text, { noEscape: true })({ versions }))]),
  );
  return { scope: "shipyard", shipyardVersion: "0.1.0", versions, pm };
}

module.exports = { helpers, sharedData };
