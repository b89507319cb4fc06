import type { AddResult } from "../commands/add.js";

/** How results look to a person (or, with --json, to a script). Commands compute; this file only prints. */
export function printAdd(result: AddResult, json: boolean): void {
  if (json) {
    const files = result.files.map(({ path, kind }) => ({ path, kind }));
    process.stdout.write(`${JSON.stringify({ kind: result.kind, name: result.name, directory: result.directory, written: result.written, answers: result.answers, files }, null, 2)}\n`);
    return;
  }
  const verb = result.written ? "created" : "would create";
  for (const file of result.files) process.stdout.write(`  ${verb}  ${file.path}\n`);
  if (!result.written) {
    process.stdout.write(`Dry run: ${result.files.length} files, nothing written.\n`);
    return;
  }
  process.stdout.write(
    `\nAdded ${result.kind} ${result.name} in ${result.directory}. Next:\n` +
      `  npm install                      # link the new workspace package\n` +
      `  npx turbo run build test --filter=./${result.directory}\n`,
  );
}
