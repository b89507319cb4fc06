import type { Answers } from "../engine/answers.js";
import { flagOf } from "../engine/answers.js";
import type { Template } from "../engine/template.js";
import { ShipyardError } from "../errors.js";
import type { Unit } from "./store.js";

/**
 * Answers that name other packages (`--uses money,auth`): each must exist and be of the right kind, and the
 * dependencies they create must not form a cycle (turbo and npm both need a graph without one).
 */
export function checkReferences(template: Template, unitId: string, answers: Answers, units: Unit[]): void {
  for (const spec of template.answers) {
    if (!spec.of || !Array.isArray(answers[spec.name])) continue;
    const allowed = units.filter((unit) => unit.template === spec.of && unit.id !== unitId).map((unit) => unit.id);
    for (const name of answers[spec.name] as string[]) {
      if (name === unitId) throw new ShipyardError("CYCLE", `${unitId} cannot use itself (${flagOf(spec)}).`);
      if (!allowed.includes(name)) {
        throw new ShipyardError(
          "INVALID_ANSWER",
          `Invalid ${flagOf(spec)}: "${name}" is not a ${spec.of} of this repository.`,
          allowed.length ? `${spec.of} packages here: ${allowed.join(", ")}.` : `Create one first: npm run shipyard -- add ${spec.of} ${name}`,
        );
      }
    }
  }
  const cycle = findCycle(unitId, answers, units);
  if (cycle) throw new ShipyardError("CYCLE", `That would make a dependency cycle: ${cycle.join(" -> ")}.`);
}

const usesOf = (answers: Answers): string[] => (Array.isArray(answers.uses) ? answers.uses : []);

/** The cycle through `unitId` if its new answers close one, e.g. [a, b, a]. */
function findCycle(unitId: string, answers: Answers, units: Unit[]): string[] | undefined {
  const edges = new Map(units.map((unit) => [unit.id, usesOf(unit.answers)]));
  edges.set(unitId, usesOf(answers));
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
