// The service scaffold as a plop generator, shared by the peers that use plop's engine (node-plop, plop's CLI,
// @turbo/gen, `turbo gen`): the same template files as templates/service, rendered with the same helpers, for
// runtime=node (the file Shipyard would skip for that runtime is skipped here too).
const { readFileSync } = require("node:fs");
const { join, resolve } = require("node:path");
const { helpers, sharedData } = require("./shipyard-render.cjs");

// SHIPYARD_TEMPLATES: @turbo/gen bundles its config (this file included) elsewhere, so __dirname cannot be trusted.
const templateDir = resolve(process.env.SHIPYARD_TEMPLATES ?? join(__dirname, "../../templates"), "service");

module.exports = function registerService(plop) {
  const safe = (text) => new plop.handlebars.SafeString(text);
  for (const [name, helper] of Object.entries(helpers(safe))) plop.setHelper(name, helper);
  const manifest = JSON.parse(readFileSync(join(templateDir, "template.json"), "utf8"));
  // What Shipyard gives every render: tool versions (templates/versions.json), the package manager's fields.
  const shared = sharedData(join(templateDir, ".."), plop.handlebars, safe);
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
          data: { ...shared, uses: [] },
          abortOnFail: true,
        })),
  });
};
