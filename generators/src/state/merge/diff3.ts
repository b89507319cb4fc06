import { diffArrays } from "diff";

/**
 * A three-way merge of line arrays, region by region, as diff3 and `git merge-file` define it: the changes of each
 * side against the base are hunks of base lines; hunks of both sides that overlap or touch form one region, which
 * is a conflict unless both sides made it the same.
 *
 * Why not node-diff3's diff3Merge: its LCS (Hunt–McIlroy with a linear scan of candidates) is quadratic in the
 * file's length, 3 s for 40,000 lines. jsdiff's Myers diff costs O((N+M)·D), milliseconds for a large file with
 * few changes, and neither it nor this loop recurses or spreads arrays into arguments, so no stack or argument
 * limit depends on the file's size.
 */
export type Region = { ok: string[] } | { conflict: { current: string[]; base: string[]; next: string[] } };

interface Hunk {
  side: "current" | "next";
  /** Base lines [baseStart, baseEnd) are replaced by the side's lines [sideStart, sideEnd). */
  baseStart: number;
  baseEnd: number;
  sideStart: number;
  sideEnd: number;
}

/** The changed stretches from base to side; the common prefix and suffix are skipped before diffing. */
function hunks(base: string[], side: string[], name: Hunk["side"]): Hunk[] {
  let prefix = 0;
  while (prefix < base.length && prefix < side.length && base[prefix] === side[prefix]) prefix += 1;
  let suffix = 0;
  while (suffix < base.length - prefix && suffix < side.length - prefix && base[base.length - 1 - suffix] === side[side.length - 1 - suffix]) suffix += 1;
  // Changed-line flags, as xdiff keeps them (index 0 and length + 1 are sentinels that stay 0).
  const changedBase = new Uint8Array(base.length + 2);
  const changedSide = new Uint8Array(side.length + 2);
  // As xdiff does (xdl_cleanup_records), a line that does not occur on the other side at all is a change whatever
  // the alignment: it is marked changed and left out of the diff, which then only aligns lines both sides have. A
  // user's 200,000 added lines cost a Set lookup each instead of a 200,000-step edit search.
  const baseLines = new Set<string>();
  const sideLines = new Set<string>();
  for (let index = prefix; index < base.length - suffix; index += 1) baseLines.add(base[index] as string);
  for (let index = prefix; index < side.length - suffix; index += 1) sideLines.add(side[index] as string);
  const baseKept: number[] = [];
  const sideKept: number[] = [];
  for (let index = prefix; index < base.length - suffix; index += 1) {
    if (sideLines.has(base[index] as string)) baseKept.push(index);
    else changedBase[1 + index] = 1;
  }
  for (let index = prefix; index < side.length - suffix; index += 1) {
    if (baseLines.has(side[index] as string)) sideKept.push(index);
    else changedSide[1 + index] = 1;
  }
  let baseAt = 0;
  let sideAt = 0;
  const kept = baseKept.length > 0 && sideKept.length > 0;
  for (const change of kept ? diffArrays(baseKept.map((index) => base[index] as string), sideKept.map((index) => side[index] as string)) : []) {
    const count = change.count ?? change.value.length;
    if (change.removed) for (let index = 0; index < count; index += 1) changedBase[1 + (baseKept[baseAt++] as number)] = 1;
    else if (change.added) for (let index = 0; index < count; index += 1) changedSide[1 + (sideKept[sideAt++] as number)] = 1;
    else {
      baseAt += count;
      sideAt += count;
    }
  }
  if (!kept) {
    for (const index of baseKept) changedBase[1 + index] = 1;
    for (const index of sideKept) changedSide[1 + index] = 1;
  }
  compact(base, changedBase, changedSide);
  compact(side, changedSide, changedBase);
  const result: Hunk[] = [];
  baseAt = 0;
  sideAt = 0;
  while (baseAt < base.length || sideAt < side.length) {
    if (!changedBase[1 + baseAt] && !changedSide[1 + sideAt]) {
      baseAt += 1;
      sideAt += 1;
      continue;
    }
    const hunk: Hunk = { side: name, baseStart: baseAt, baseEnd: baseAt, sideStart: sideAt, sideEnd: sideAt };
    while (changedBase[1 + baseAt]) baseAt += 1;
    while (changedSide[1 + sideAt]) sideAt += 1;
    hunk.baseEnd = baseAt;
    hunk.sideEnd = sideAt;
    result.push(hunk);
  }
  return result;
}

/**
 * xdiff's xdl_change_compact (git's xdiffi.c), without the indent heuristic, which `git merge-file` does not use.
 * An insertion or deletion inside a run of equal lines (a blank line added next to another) could sit anywhere in
 * the run; git slides each group of changed lines up as far as it goes, then down as far as it goes, merging it
 * with the groups it meets, and lines it up with a change of the other file when it can. Doing the same puts every
 * change where git puts it, so whether it touches the other side's change (a conflict) is decided as git decides.
 * `changed` and `other` are flags offset by one (index 0 and length + 1 are zero sentinels); loops, no recursion.
 */
function compact(lines: string[], changed: Uint8Array, other: Uint8Array): void {
  const count = lines.length;
  const otherCount = other.length - 2;
  const at = (flags: Uint8Array, index: number) => flags[index + 1] === 1;
  const set = (flags: Uint8Array, index: number, value: number) => {
    flags[index + 1] = value;
  };
  // A group: the changed lines [start, end) between two unchanged ones (possibly empty), in each file in step.
  const g = { start: 0, end: 0 };
  const go = { start: 0, end: 0 };
  const init = (flags: Uint8Array, group: typeof g) => {
    group.start = 0;
    group.end = 0;
    while (at(flags, group.end)) group.end += 1;
  };
  const next = (flags: Uint8Array, group: typeof g, total: number) => {
    if (group.end === total) return false;
    group.start = group.end + 1;
    group.end = group.start;
    while (at(flags, group.end)) group.end += 1;
    return true;
  };
  const previous = (flags: Uint8Array, group: typeof g) => {
    if (group.start === 0) return false;
    group.end = group.start - 1;
    group.start = group.end;
    while (at(flags, group.start - 1)) group.start -= 1;
    return true;
  };
  const slideDown = () => {
    if (g.end < count && lines[g.start] === lines[g.end]) {
      set(changed, g.start, 0);
      g.start += 1;
      set(changed, g.end, 1);
      g.end += 1;
      while (at(changed, g.end)) g.end += 1;
      return true;
    }
    return false;
  };
  const slideUp = () => {
    if (g.start > 0 && lines[g.start - 1] === lines[g.end - 1]) {
      g.start -= 1;
      set(changed, g.start, 1);
      g.end -= 1;
      set(changed, g.end, 0);
      while (at(changed, g.start - 1)) g.start -= 1;
      return true;
    }
    return false;
  };
  const broken = () => new Error("diff3: groups out of step");
  init(changed, g);
  init(other, go);
  for (;;) {
    if (g.end !== g.start) {
      let size: number;
      let earliestEnd: number;
      let endMatchingOther: number;
      do {
        size = g.end - g.start;
        endMatchingOther = -1;
        while (slideUp()) if (!previous(other, go)) throw broken();
        earliestEnd = g.end;
        if (go.end > go.start) endMatchingOther = g.end;
        while (slideDown()) {
          if (!next(other, go, otherCount)) throw broken();
          if (go.end > go.start) endMatchingOther = g.end;
        }
      } while (size !== g.end - g.start);
      if (g.end !== earliestEnd && endMatchingOther !== -1) {
        while (go.end === go.start) {
          if (!slideUp() || !previous(other, go)) throw broken();
        }
      }
    }
    if (!next(changed, g, count)) break;
    if (!next(other, go, otherCount)) throw broken();
  }
}

function pushAll(target: string[], source: string[], start: number, end: number): void {
  for (let index = start; index < end; index += 1) target.push(source[index] as string);
}

export function diff3(current: string[], base: string[], next: string[]): Region[] {
  const all = [...hunks(base, current, "current"), ...hunks(base, next, "next")].sort((a, b) => a.baseStart - b.baseStart || (a.side === "current" ? -1 : 1));
  const sides = { current, next };
  const regions: Region[] = [];
  let ok: string[] = [];
  let baseAt = 0;
  let index = 0;
  while (index < all.length) {
    const first = all[index] as Hunk;
    let end = first.baseEnd;
    let last = index + 1;
    // Hunks that overlap or touch the region join it (git and diff3 agree: adjacent changes conflict).
    while (last < all.length && (all[last] as Hunk).baseStart <= end) {
      end = Math.max(end, (all[last] as Hunk).baseEnd);
      last += 1;
    }
    const group = all.slice(index, last);
    pushAll(ok, base, baseAt, first.baseStart);
    const start = first.baseStart;
    if (group.every((hunk) => hunk.side === first.side)) {
      // One side changed this stretch: its lines, from its first hunk's start to its last hunk's end.
      const side = sides[first.side];
      const lastHunk = group[group.length - 1] as Hunk;
      pushAll(ok, side, first.sideStart, lastHunk.sideEnd + (end - lastHunk.baseEnd));
    } else {
      // Both changed it: each side's version of base lines [start, end).
      const text = (name: Hunk["side"]) => {
        const own = group.filter((hunk) => hunk.side === name);
        const side = sides[name];
        if (own.length === 0) return base.slice(start, end);
        const head = own[0] as Hunk;
        const tail = own[own.length - 1] as Hunk;
        return side.slice(head.sideStart - (head.baseStart - start), tail.sideEnd + (end - tail.baseEnd));
      };
      const [mine, theirs] = [text("current"), text("next")];
      if (mine.length === theirs.length && mine.every((line, at) => line === theirs[at])) {
        pushAll(ok, mine, 0, mine.length);
      } else {
        if (ok.length > 0) regions.push({ ok });
        ok = [];
        regions.push({ conflict: { current: mine, base: base.slice(start, end), next: theirs } });
      }
    }
    baseAt = end;
    index = last;
  }
  pushAll(ok, base, baseAt, base.length);
  if (ok.length > 0) regions.push({ ok });
  return regions;
}
