// The service scaffold as a plop generator, shared by the peers that use plop's engine (node-plop, plop's CLI,
// @turbo/gen, `turbo gen`): the same template files as templates/service, rendered with the same helpers, for
// runtime=node (the file Shipyard would skip for that runtime is skipped here too).
const { readFileSync } = require("node:fs");
const { join, resolve } = require("node:path");

// SHIPYARD_TEMPLATES: @turbo/gen bundles its config (this file included) elsewhere, so __dirname cannot be trusted.
const templateDir = resolve(process.env.SHIPYARD_TEMPLATES ?? join(__dirname, "../../templates"), "service");

module.exports = function registerService(plop) {
  const safe = (text) => new plop.handlebars.SafeString(text);
  plop.setHelper("json", (value) => safe(JSON.stringify(value)));
  plop.setHelper("yaml", (value) => safe(JSON.stringify(value)));
  plop.setHelper("shell", (value) => safe(`'${String(value).replaceAll("'", `'\\''`)}'`));
  plop.setHelper("constant", (value) => safe(String(value).toUpperCase().replace(/[^A-Z0-9]+/g, "_")));
  plop.setHelper("eq", (a, b) => String(a) === String(b));
  const manifest = JSON.parse(readFileSync(join(templateDir, "template.json"), "utf8"));
  // Tool versions shared by all templates (templates/versions.json), as Shipyard gives them to every render.
  const versions = JSON.parse(readFileSync(join(templateDir, "..", "versions.json"), "utf8"));
  plop.setGenerator("service", {
    description: manifest.description,
    prompts: [
      { type: "input", name: "name", message: "name" },
      { type: "input", name: "description", message: "description", default: "A Shipyard service." },
      { type: "input", name: "port", message: "port", default: "8080" },
      { type: "list", name: "runtime", message: "runtime", choices: ["node", "docker"], default: "node" },
      { type: "list", name: "node", message: "node", choices: ["22", "24", "26"], default: "24" },
      { type: "list", name: "database", message: "database", choices: ["none", "postgres"], default: "none" },
    ],
    actions: (answers) =>
      Object.entries(manifest.files)
        .map(([source, spec]) => (typeof spec === "string" ? { source, spec: { kind: spec } } : { source, spec }))
        .filter(({ spec }) => !spec.when || Object.entries(spec.when).every(([key, value]) => String(answers[key]) === String(value)))
        .map(({ source, spec }) => ({
          type: "add",
          path: (spec.to ?? source).replace(/__([a-zA-Z][a-zA-Z0-9]*)__/g, "{{$1}}"),
          templateFile: join(templateDir, "files", source),
          data: { scope: "shipyard", shipyardVersion: "0.1.0", versions, uses: [] },
          abortOnFail: true,
        })),
  });
};
