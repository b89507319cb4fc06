import type { NodePlopAPI } from "plop";
import { add } from "./commands/add.js";
import { coerceAnswer, type RawAnswers } from "./engine/answers.js";
import { listAddableTemplates } from "./engine/template.js";
import { Tree } from "./engine/tree.js";
import { messageOf } from "./prompts.js";
import { readConfig } from "./state/store.js";
import { findRepoRoot, repoTemplatesDir } from "./workspace.js";

/**
 * `npm run gen`: plop's interactive menu, one generator per template folder. Its only action calls the same
 * `add` as `npm run shipyard -- add`, so the menu and the CLI can never produce different files.
 */
export default function plopfile(plop: NodePlopAPI): void {
  const root = findRepoRoot(process.cwd());
  const scope = readConfig(new Tree(root)).scope;
  const templatesDir = repoTemplatesDir(root);
  for (const { name: template, manifest } of listAddableTemplates(templatesDir)) {
    plop.setGenerator(template, {
      description: manifest.description,
      prompts: manifest.answers.map((spec) => {
        const validate = (value: unknown) => messageOf(() => coerceAnswer(spec, value, scope));
        return spec.type === "choice"
          ? { type: "list", name: spec.name, message: spec.message, choices: spec.choices.map(String), default: String(spec.default) }
          : {
              type: "input",
              name: spec.name,
              message: spec.message,
              default: spec.default === undefined ? undefined : String(spec.default),
              validate,
            };
      }),
      actions: [
        async (answers) => {
          // plop reports a thrown error as a failed action; the message is Shipyard's own one-liner.
          const result = await add({ cwd: root, template, given: answers as RawAnswers, yes: true, interactive: false, dryRun: false });
          return `created ${result.directory} (${result.files.length} files)`;
        },
      ],
    });
  }
}
