import type { RawAnswers } from "./engine/answers.js";
import { coerceAnswer } from "./engine/answers.js";
import type { AnswerSpec } from "./engine/template.js";

/**
 * The only module that imports inquirer, and only when a prompt must be shown: loading inquirer costs about
 * 100 ms, which every non-interactive run (flags, --yes, CI) would otherwise pay.
 */
export async function prompt<T>(questions: unknown[]): Promise<T> {
  const { default: inquirer } = await import("inquirer");
  return (await inquirer.prompt(questions as never)) as T;
}

/** An inquirer `validate` from a check that throws: true, or the check's message shown under the input. */
export function messageOf(check: () => void): true | string {
  try {
    check();
    return true;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Asks a template's answers that were not given, each validated as it is typed by the same rules as its flag. */
export async function askMissing(specs: AnswerSpec[], given: RawAnswers, scope: string): Promise<RawAnswers> {
  const missing = specs.filter((spec) => given[spec.name] === undefined);
  if (missing.length === 0) return given;
  const validate = (spec: AnswerSpec) => (value: unknown) => messageOf(() => coerceAnswer(spec, value, scope));
  const questions = missing.map((spec) =>
    spec.type === "choice"
      ? { type: "select" as const, name: spec.name, message: spec.message, choices: spec.choices.map(String), default: String(spec.default ?? spec.choices[0]) }
      : {
          type: "input" as const,
          name: spec.name,
          message: spec.message,
          default: spec.default === undefined ? undefined : String(spec.default),
          validate: validate(spec),
        },
  );
  return { ...given, ...(await prompt<RawAnswers>(questions)) };
}
