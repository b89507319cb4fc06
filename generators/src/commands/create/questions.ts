import { validatePackageNameAnswer, validateScope } from "../../engine/answers.js";
import { messageOf, prompt } from "../../prompts.js";

export interface CreateAnswers {
  dir: string;
  scope: string;
  /** The first service's name, or false for none. */
  service: string | false;
  /** npm, pnpm, yarn or bun. */
  packageManager: string;
}

export interface CreateDefaults {
  dir: string;
  scopeFor(dir: string): string;
  service: string;
  /** The manager offered first: the one that launched create, else npm. */
  packageManager: string;
  packageManagers: string[];
  /** Throws (a ShipyardError with the reason) when `dir` cannot take the new repository. */
  checkDir(dir: string): void;
}

/**
 * Asks, on a terminal, for what `create` was not given: the directory, the scope and the first service. Answers are
 * checked as they are typed, by the same validators the flags go through (through prompts.ts, the one module that
 * loads inquirer, and only when a question is shown).
 */
export async function askCreate(given: Partial<CreateAnswers>, defaults: CreateDefaults): Promise<CreateAnswers> {
  type Raw = { dir?: string; scope?: string; withService?: boolean; service?: string; packageManager?: string };
  const dirOf = (answers: Raw) => (given.dir ?? answers.dir ?? defaults.dir).trim();
  const scopeOf = (answers: Raw) => given.scope ?? answers.scope ?? defaults.scopeFor(dirOf(answers));
  const questions = [
    {
      type: "input" as const,
      name: "dir",
      message: "Where should the repository be created?",
      default: defaults.dir,
      when: () => given.dir === undefined,
      validate: (value: string) => (value.trim() ? messageOf(() => defaults.checkDir(value.trim())) : "Type a directory name (. for this one)."),
    },
    {
      type: "input" as const,
      name: "scope",
      message: "npm scope of its packages (@scope/name)",
      default: (answers: Raw) => defaults.scopeFor(dirOf(answers)),
      when: () => given.scope === undefined,
      validate: (value: string) => messageOf(() => validateScope(value)),
    },
    {
      type: "select" as const,
      name: "packageManager",
      message: "Package manager",
      choices: defaults.packageManagers.map((name) => ({ name, value: name })),
      default: defaults.packageManager,
      when: () => given.packageManager === undefined,
    },
    {
      type: "confirm" as const,
      name: "withService",
      message: "Create a first service?",
      default: true,
      when: () => given.service === undefined,
    },
    {
      type: "input" as const,
      name: "service",
      message: "Its name",
      default: defaults.service,
      when: (answers: Raw) => given.service === undefined && answers.withService === true,
      validate: (value: string, answers?: Raw) =>
        messageOf(() => validatePackageNameAnswer(value.trim(), validateScope(scopeOf(answers ?? {})), "--service")),
    },
  ];
  const answers = await prompt<Raw>(questions);
  const service = given.service !== undefined ? given.service : answers.withService ? (answers.service ?? defaults.service).trim() : false;
  const packageManager = given.packageManager ?? answers.packageManager ?? defaults.packageManager;
  return { dir: dirOf(answers), scope: validateScope(scopeOf(answers)), service, packageManager };
}
