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
  while (suffix < base.length - prefix && suffix < side.length - prefix && base[base.length - 1 - suffix] === side[side.length - 1 - suffix])
    suffix += 1;
  // Which lines each file changed (xdiff's rchg): a removed base line, an added side line.
  const removed = new Uint8Array(base.length);
  const added = new Uint8Array(side.length);
  // As xdiff does (xdl_cleanup_records), a line that does not occur on the other side at all is a change whatever
  // the alignment: it is marked changed and left out of the diff, which then only aligns lines both sides have. A
  // user's 200,000 added lines cost a Set lookup each instead of a 200,000-step edit search (and as much again in
  // garbage collection).
  const baseLines = new Set<string>();
  const sideLines = new Set<string>();
  for (let index = prefix; index < base.length - suffix; index += 1) baseLines.add(base[index] as string);
  for (let index = prefix; index < side.length - suffix; index += 1) sideLines.add(side[index] as string);
  const baseKept: number[] = [];
  const sideKept: number[] = [];
  for (let index = prefix; index < base.length - suffix; index += 1) {
    if (sideLines.has(base[index] as string)) baseKept.push(index);
    else removed[index] = 1;
  }
  for (let index = prefix; index < side.length - suffix; index += 1) {
    if (baseLines.has(side[index] as string)) sideKept.push(index);
    else added[index] = 1;
  }
  // A kept line has a match on the other side, so both lists are empty or neither is.
  let baseAt = 0;
  let sideAt = 0;
  const kept = baseKept.length > 0 && sideKept.length > 0;
  for (const change of kept
    ? diffArrays(
        baseKept.map((index) => base[index] as string),
        sideKept.map((index) => side[index] as string),
      )
    : []) {
    const count = change.count ?? change.value.length;
    if (change.removed) for (let step = 0; step < count; step += 1) removed[baseKept[baseAt++] as number] = 1;
    else if (change.added) for (let step = 0; step < count; step += 1) added[sideKept[sideAt++] as number] = 1;
    else {
      baseAt += count;
      sideAt += count;
    }
  }
  compact(base, removed, added);
  compact(side, added, removed);
  // Unchanged lines pair up in order in both files; each stretch of changed lines between them is one hunk.
  const result: Hunk[] = [];
  let b = 0;
  let s = 0;
  while (b < base.length || s < side.length) {
    if (b < base.length && s < side.length && !removed[b] && !added[s]) {
      b += 1;
      s += 1;
      continue;
    }
    const hunk: Hunk = { side: name, baseStart: b, baseEnd: b, sideStart: s, sideEnd: s };
    while (b < base.length && removed[b]) b += 1;
    while (s < side.length && added[s]) s += 1;
    hunk.baseEnd = b;
    hunk.sideEnd = s;
    result.push(hunk);
  }
  return result;
}

/** A group of changed lines [start, end) of one file; an empty group stands between two unchanged lines. */
interface Group {
  start: number;
  end: number;
}

/**
 * git's xdl_change_compact, without the indent heuristic (which `git merge-file` does not turn on): a change
 * inside a run of equal lines (a blank line added next to another) can sit anywhere in the run, and where it sits
 * decides whether it touches the other side's change. Each group slides up as far as it goes and then down as
 * far as it goes, merging with the groups it meets, and ends lowest, or lined up with a change of the other file
 * where it can be, exactly as git places it; so conflicts are decided as `git merge-file` decides them.
 */
function compact(lines: string[], changed: Uint8Array, other: Uint8Array): void {
  const n = lines.length;
  const m = other.length;
  const first = (flags: Uint8Array, length: number): Group => {
    const group = { start: 0, end: 0 };
    while (group.end < length && flags[group.end]) group.end += 1;
    return group;
  };
  const next = (group: Group, flags: Uint8Array, length: number): boolean => {
    if (group.end >= length) return false;
    group.start = group.end + 1;
    group.end = group.start;
    while (group.end < length && flags[group.end]) group.end += 1;
    return true;
  };
  const previous = (group: Group, flags: Uint8Array): boolean => {
    if (group.start === 0) return false;
    group.end = group.start - 1;
    group.start = group.end;
    while (group.start > 0 && flags[group.start - 1]) group.start -= 1;
    return true;
  };
  const slideUp = (group: Group): boolean => {
    if (group.start === 0 || lines[group.start - 1] !== lines[group.end - 1]) return false;
    group.start -= 1;
    group.end -= 1;
    changed[group.start] = 1;
    changed[group.end] = 0;
    while (group.start > 0 && changed[group.start - 1]) group.start -= 1;
    return true;
  };
  const slideDown = (group: Group): boolean => {
    if (group.end >= n || lines[group.start] !== lines[group.end]) return false;
    changed[group.start] = 0;
    changed[group.end] = 1;
    group.start += 1;
    group.end += 1;
    while (group.end < n && changed[group.end]) group.end += 1;
    return true;
  };
  const group = first(changed, n);
  const facing = first(other, m);
  for (;;) {
    if (group.end > group.start) {
      let size: number;
      let earliestEnd: number;
      let endMatchingOther: number;
      do {
        size = group.end - group.start;
        endMatchingOther = -1;
        while (slideUp(group)) previous(facing, other);
        earliestEnd = group.end;
        if (facing.end > facing.start) endMatchingOther = group.end;
        while (slideDown(group)) {
          next(facing, other, m);
          if (facing.end > facing.start) endMatchingOther = group.end;
        }
      } while (size !== group.end - group.start);
      if (group.end !== earliestEnd && endMatchingOther !== -1) {
        // Back up to line up with the last change of the other file this group can face.
        while (facing.end === facing.start) {
          slideUp(group);
          previous(facing, other);
        }
      }
    }
    if (!next(group, changed, n)) break;
    next(facing, other, m);
  }
}

function pushAll(target: string[], source: string[], start: number, end: number): void {
  for (let index = start; index < end; index += 1) target.push(source[index] as string);
}

export function diff3(current: string[], base: string[], next: string[]): Region[] {
  const all = [...hunks(base, current, "current"), ...hunks(base, next, "next")].sort(
    (a, b) => a.baseStart - b.baseStart || (a.side === "current" ? -1 : 1),
  );
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
