import type { Answers } from "../engine/answers.js";
import { flagOf } from "../engine/answers.js";
import type { Template } from "../engine/template.js";
import { ShipyardError } from "../errors.js";
import { commandsOf, recordedPackageManager } from "../package-managers.js";
import type { Unit } from "./store.js";

/** The template a unit was made from (loaded once per command). */
export type TemplateOf = (unit: Unit) => Pick<Template, "answers">;

/**
 * Answers that name other packages (`--uses money,auth`): each must exist and be of the right kind, and the
 * dependencies they create must not form a cycle (turbo and npm both need a graph without one).
 */
export function checkReferences(template: Template, unitId: string, answers: Answers, units: Unit[], templateOf: TemplateOf): void {
  for (const spec of template.answers) {
    if (!spec.of || !Array.isArray(answers[spec.name])) continue;
    const allowed = units.filter((unit) => unit.template === spec.of && unit.id !== unitId).map((unit) => unit.id);
    for (const name of answers[spec.name] as string[]) {
      if (name === unitId) throw new ShipyardError("CYCLE", `${unitId} cannot use itself (${flagOf(spec)}).`);
      if (!allowed.includes(name)) {
        throw new ShipyardError(
          "INVALID_ANSWER",
          `Invalid ${flagOf(spec)}: "${name}" is not a ${spec.of} of this repository.`,
          allowed.length
            ? `${spec.of} packages here: ${allowed.join(", ")}.`
            : `Create one first: ${commandsOf(template.packageManagers, recordedPackageManager(units)).shipyard} add ${spec.of} ${name}`,
        );
      }
    }
  }
  const cycle = findCycle(template, unitId, answers, units, templateOf);
  if (cycle) throw new ShipyardError("CYCLE", `That would make a dependency cycle: ${cycle.join(" -> ")}.`);
}

/**
 * The units a unit's answers name: every list answer whose manifest entry has `of` (a service's and a library's
 * `uses`, or any other template's). The manifest says which answers reference other units, not their names.
 */
export function referencesOf(template: Pick<Template, "answers">, answers: Answers): string[] {
  const names = template.answers
    .filter((spec) => spec.of)
    .flatMap((spec) => (Array.isArray(answers[spec.name]) ? (answers[spec.name] as string[]) : []));
  return [...new Set(names)];
}

/** The same answers with every reference to `from` made a reference to `to` (a rename). */
export function renameReferences(template: Pick<Template, "answers">, answers: Answers, from: string, to: string): Answers {
  const renamed: Answers = { ...answers };
  for (const spec of template.answers) {
    const value = answers[spec.name];
    if (spec.of && Array.isArray(value)) renamed[spec.name] = value.map((id) => (id === from ? to : id));
  }
  return renamed;
}

/** The cycle through `unitId` if its new answers close one, e.g. [a, b, a]. */
function findCycle(template: Template, unitId: string, answers: Answers, units: Unit[], templateOf: TemplateOf): string[] | undefined {
  const edges = new Map(units.map((unit) => [unit.id, referencesOf(templateOf(unit), unit.answers)]));
  edges.set(unitId, referencesOf(template, answers));
  const walk = (id: string, path: string[]): string[] | undefined => {
    for (const next of edges.get(id) ?? []) {
      if (next === unitId) return [...path, next];
      if (path.includes(next)) continue;
      const found = walk(next, [...path, next]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(unitId, [unitId]);
}
