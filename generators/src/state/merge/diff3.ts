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
  const result: Hunk[] = [];
  let baseAt = prefix;
  let sideAt = prefix;
  let open: Hunk | undefined;
  for (const change of diffArrays(base.slice(prefix, base.length - suffix), side.slice(prefix, side.length - suffix))) {
    const count = change.count ?? change.value.length;
    if (!change.added && !change.removed) {
      open = undefined;
      baseAt += count;
      sideAt += count;
      continue;
    }
    if (!open) {
      open = { side: name, baseStart: baseAt, baseEnd: baseAt, sideStart: sideAt, sideEnd: sideAt };
      result.push(open);
    }
    if (change.removed) {
      baseAt += count;
      open.baseEnd = baseAt;
    } else {
      sideAt += count;
      open.sideEnd = sideAt;
    }
  }
  slideDown(result, base, side);
  return result;
}

/**
 * An insertion or deletion inside a run of equal lines (a blank line added next to another) can sit anywhere in
 * the run; like git's xdiff, put it as low as it goes, so that whether it touches the other side's change (a
 * conflict) is decided as `git merge-file` decides it.
 */
function slideDown(list: Hunk[], base: string[], side: string[]): void {
  list.forEach((hunk, index) => {
    const limit = list[index + 1];
    if (hunk.baseStart === hunk.baseEnd) {
      while (hunk.sideEnd < side.length && side[hunk.sideStart] === side[hunk.sideEnd] && (!limit || limit.sideStart > hunk.sideEnd + 1) && hunk.baseEnd < base.length) {
        hunk.sideStart += 1;
        hunk.sideEnd += 1;
        hunk.baseStart += 1;
        hunk.baseEnd += 1;
      }
    } else if (hunk.sideStart === hunk.sideEnd) {
      while (hunk.baseEnd < base.length && base[hunk.baseStart] === base[hunk.baseEnd] && (!limit || limit.baseStart > hunk.baseEnd + 1)) {
        hunk.baseStart += 1;
        hunk.baseEnd += 1;
        hunk.sideStart += 1;
        hunk.sideEnd += 1;
      }
    }
  });
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
