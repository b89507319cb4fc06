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

/** What the repository knows that the questions use. */
export interface AskContext {
  /** The packages of a kind (`library`): an answer naming packages of that kind is a checkbox of them. */
  choicesOf?: (kind: string) => string[];
  /** A further check of an answer, run as it is typed (e.g. the name is not taken); throws the message to show. */
  check?: (name: string, value: unknown) => void;
}

/**
 * Asks a template's answers that were not given, each validated as it is answered by the same rules as its flag
 * (and `context.check`), so a wrong answer is fixed where it was typed, not reported after every other question.
 * An answer naming other packages (`uses`) is a checkbox of the repository's packages of that kind, not asked when
 * there are none.
 */
export async function askMissing(specs: AnswerSpec[], given: RawAnswers, scope: string, context: AskContext = {}): Promise<RawAnswers> {
  const missing = specs.filter((spec) => given[spec.name] === undefined);
  if (missing.length === 0) return given;
  const validate = (spec: AnswerSpec) => (value: unknown) =>
    messageOf(() => {
      const coerced = coerceAnswer(spec, value, scope);
      context.check?.(spec.name, coerced);
    });
  const known: RawAnswers = {};
  const questions = missing.flatMap((spec): unknown[] => {
    if (spec.type === "choice") {
      return [
        {
          type: "select" as const,
          name: spec.name,
          message: spec.message,
          choices: spec.choices.map(String),
          default: String(spec.default ?? spec.choices[0]),
        },
      ];
    }
    const options = spec.type === "list" && spec.of && context.choicesOf ? context.choicesOf(spec.of).sort() : undefined;
    if (options) {
      if (options.length === 0) {
        known[spec.name] = [];
        return [];
      }
      const preset = Array.isArray(spec.default) ? spec.default.map(String) : [];
      return [
        {
          type: "checkbox" as const,
          name: spec.name,
          message: `${spec.message.replace(/, comma-separated$/, "")} (space to select, enter to confirm)`,
          choices: options.map((option) => ({ name: option, value: option, checked: preset.includes(option) })),
          validate: (chosen: ReadonlyArray<{ value: string }>) => validate(spec)(chosen.map((choice) => choice.value)),
        },
      ];
    }
    return [
      {
        type: "input" as const,
        name: spec.name,
        message: spec.message,
        default: spec.default === undefined ? undefined : String(spec.default),
        validate: validate(spec),
      },
    ];
  });
  return { ...given, ...known, ...(await prompt<RawAnswers>(questions)) };
}
