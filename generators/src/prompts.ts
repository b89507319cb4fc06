import type { RawAnswers } from "./engine/answers.js";
import { coerceAnswer } from "./engine/answers.js";
import type { AnswerSpec } from "./engine/template.js";

/**
 * The only module that imports inquirer, and only when a prompt must be shown: loading inquirer costs about
 * 100 ms, which every non-interactive run (flags, --yes, CI) would otherwise pay.
 */
export async function askMissing(specs: AnswerSpec[], given: RawAnswers, scope: string): Promise<RawAnswers> {
  const missing = specs.filter((spec) => given[spec.name] === undefined);
  if (missing.length === 0) return given;
  const { default: inquirer } = await import("inquirer");
  const validate = (spec: AnswerSpec) => (value: unknown) => {
    try {
      coerceAnswer(spec, value, scope);
      return true;
    } catch (error) {
      return (error as Error).message;
    }
  };
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
  const answers = (await inquirer.prompt(questions as never)) as RawAnswers;
  return { ...given, ...answers };
}
