import { applyEdits, type FormattingOptions, findNodeAtLocation, getNodeValue, modify, type Node, type ParseError, parseTree } from "jsonc-parser";
import { isMap, isScalar, parseDocument } from "yaml";
import { deepEqual, type Json } from "./values.js";

/**
 * How the key-level merge reads and edits one structured syntax. Edits are made in place on the text — never by
 * re-serializing a parsed value — so everything outside the edited keys stays byte for byte: layout, comments,
 * blank lines, key order. Why jsonc-parser: its modify/applyEdits is the in-place JSON editor VS Code uses, and
 * it reads JSONC (tsconfig's comments and trailing commas) too. Why yaml's Document: it keeps comments and blank
 * lines through an edit.
 */
export interface Edit {
  path: Array<string | number>;
  /** undefined deletes the key. */
  value: Json | undefined;
  /** For a key new to its object: the keys before it in the target's order, nearest first (where to insert it). */
  after?: string[];
}

export interface Syntax {
  /** The value of a valid text: it parses, and no object holds a key twice. */
  parse(text: string): { ok: true; value: Json } | { ok: false };
  valid(text: string): boolean;
  /** The text with the edits made in place; null when one cannot be placed. */
  apply(text: string, edits: Edit[]): string | null;
}

/** Where a new key goes among an object's keys: right after the nearest key that precedes it in the target. */
export function insertionIndex(keys: string[], after: string[] | undefined): number {
  for (const key of after ?? []) {
    const index = keys.indexOf(key);
    if (index >= 0) return index + 1;
  }
  return after === undefined ? keys.length : 0;
}

/** A duplicate key anywhere in a parsed JSON tree (JSON.parse would silently keep the last one). */
function hasDuplicateKey(root: Node): boolean {
  const pending: Node[] = [root];
  while (pending.length > 0) {
    const node = pending.pop() as Node;
    if (node.type === "object") {
      const seen = new Set<string>();
      for (const property of node.children ?? []) {
        const key = property.children?.[0]?.value as string;
        if (seen.has(key)) return true;
        seen.add(key);
      }
    }
    for (const child of node.children ?? []) pending.push(child);
  }
  return false;
}

/** The file's own indentation and line ending, for the text of inserted keys. */
function formattingOf(text: string): FormattingOptions {
  const indent = /^([ \t]+)\S/m.exec(text)?.[1] ?? "  ";
  return { insertSpaces: !indent.startsWith("\t"), tabSize: indent.startsWith("\t") ? 1 : indent.length, eol: text.includes("\r\n") ? "\r\n" : "\n" };
}

export function jsonSyntax(commented: boolean): Syntax {
  const parse: Syntax["parse"] = (text) => {
    const errors: ParseError[] = [];
    const tree = parseTree(text, errors, { allowTrailingComma: commented, disallowComments: !commented, allowEmptyContent: false });
    if (errors.length > 0 || tree === undefined || hasDuplicateKey(tree)) return { ok: false };
    if (!commented) {
      try {
        return { ok: true, value: JSON.parse(text) as Json };
      } catch {
        return { ok: false };
      }
    }
    const value = nodeValue(tree);
    return { ok: true, value };
  };
  return {
    parse,
    valid: (text) => parse(text).ok,
    apply(text, edits) {
      const formattingOptions = formattingOf(text);
      let result = text;
      for (const edit of edits) {
        if (edit.path.length === 0) return null;
        // An edit the text already holds is skipped: re-making it would re-format the value in the other side's style.
        const tree = parseTree(result, [], { allowTrailingComma: commented, disallowComments: !commented });
        const node = tree && findNodeAtLocation(tree, edit.path);
        if (edit.value === undefined ? node === undefined : node !== undefined && deepEqual(getNodeValue(node), edit.value)) continue;
        try {
          result = applyEdits(
            result,
            modify(result, edit.path, edit.value, { formattingOptions, getInsertionIndex: (keys) => insertionIndex(keys, edit.after) }),
          );
        } catch {
          return null;
        }
      }
      return result;
    },
  };
}

/** A JSONC tree's value, without recursion (a deep file must not exhaust the stack). */
function nodeValue(root: Node): Json {
  const values = new Map<Node, Json>();
  const order: Node[] = [];
  const pending: Node[] = [root];
  while (pending.length > 0) {
    const node = pending.pop() as Node;
    order.push(node);
    for (const child of node.children ?? []) pending.push(child);
  }
  for (const node of order.reverse()) {
    if (node.type === "object") {
      const object: { [key: string]: Json } = {};
      for (const property of node.children ?? []) {
        const [key, value] = property.children ?? [];
        if (key && value) object[key.value as string] = values.get(value) as Json;
      }
      values.set(node, object);
    } else if (node.type === "array") {
      values.set(
        node,
        (node.children ?? []).map((child) => values.get(child) as Json),
      );
    } else if (node.type !== "property") {
      values.set(node, node.value as Json);
    }
  }
  return values.get(root) as Json;
}

const yamlOptions = { lineWidth: 0 } as const;

export const yamlSyntax: Syntax = {
  parse(text) {
    try {
      const document = parseDocument(text, { uniqueKeys: true });
      return document.errors.length > 0 ? { ok: false } : { ok: true, value: (document.toJS() ?? null) as Json };
    } catch {
      return { ok: false };
    }
  },
  valid(text) {
    return this.parse(text).ok;
  },
  apply(text, edits) {
    const document = parseDocument(text, { uniqueKeys: true });
    if (document.errors.length > 0) return null;
    for (const edit of edits) {
      const { path, value } = edit;
      if (path.length === 0) return null;
      const parentPath = path.slice(0, -1);
      const parent = parentPath.length === 0 ? document.contents : document.getIn(parentPath, true);
      const key = path[path.length - 1] as string | number;
      const node = document.getIn(path, true);
      const present = document.hasIn(path);
      const existing = node && typeof (node as { toJSON?: unknown }).toJSON === "function" ? (node as { toJSON(): unknown }).toJSON() : node;
      // An edit the document already holds is skipped, as for JSON: the user's version of it stays.
      if (value === undefined ? !present : present && deepEqual(existing, value)) continue;
      if (value === undefined) {
        if (!document.hasIn(path)) return null;
        document.deleteIn(path);
      } else if (edit.after !== undefined && isMap(parent) && !document.hasIn(path)) {
        const keys = parent.items.map((pair) => String(isScalar(pair.key) ? pair.key.value : pair.key));
        parent.items.splice(insertionIndex(keys, edit.after), 0, document.createPair(key, value));
      } else if (isScalar(node) && (value === null || typeof value !== "object")) {
        // A scalar changed in place keeps its comment and quoting style.
        node.value = value;
      } else {
        if (!document.hasIn(parentPath) && parentPath.length > 0) return null;
        document.setIn(path, document.createNode(value));
      }
    }
    return document.toString(yamlOptions);
  },
};
