// Parsing an Infinity answer the way its backend does: the root selector through gjson first (a plain
// dotted path), else JSONata, and each column read from its row with a gjson path (infinity-facts §3.1-3.2).
import { badInput } from "../../errors.ts";
import { evaluateJsonata } from "./jsonata.ts";
import { frameError, isObject } from "./types.ts";

/** The root selector applied as Infinity's backend applies it: gjson first, and a selector gjson resolves
 *  is never given to JSONata. The selector must have been linted (query.ts). */
export async function selectRoot(body: unknown, selector: string, withColumns: boolean): Promise<RootSelection> {
  if (selector.trim() === "") return body;
  const found = gjsonRootLookup(body, selector);
  if (found.exists) return reparseGjsonText(found.value, withColumns);
  return evaluateJsonata(body, selector);
}

/** The rows the columns read: an array's items, or the one object selected. */
export function selectedRows(root: RootSelection): unknown[] {
  return Array.isArray(root) ? root : isObject(root) ? [root] : [];
}

/** What the root selector selected: rows (an array), one row (an object), or a scalar. */
export type RootSelection = unknown;

// gjson's Result.String() is unquoted text for strings and "" for null; the framer parses that text again
function reparseGjsonText(value: unknown, withColumns: boolean): RootSelection {
  if (typeof value !== "string" && value !== null) return value;
  const text = value ?? "";
  try {
    return JSON.parse(text);
  } catch {
    if (withColumns) return undefined; // a scalar root: zero rows
    throw frameError("error while un-marshaling response");
  }
}

// The root selector reaches gjson as the whole path; only plain dotted paths can resolve (a leading "$"
// never matches a key unless the document has keys starting with "$", which the engine refuses).
function gjsonRootLookup(body: unknown, selector: string): { exists: boolean; value?: unknown } {
  if (selector.startsWith("$")) {
    if (isObject(body) && Object.keys(body).some((k) => k.startsWith("$"))) {
      throw badInput(`the document has keys starting with "$": gjson may answer the root selector ${JSON.stringify(selector)} before JSONata`);
    }
    return { exists: false };
  }
  return gjsonGet(body, selector);
}

/** The gjson subset: a.b.c, a.0 (index), a.# (length), a.#.b (map), a\.b (literal dot). */
export function gjsonGet(value: unknown, path: string): { exists: boolean; value?: unknown } {
  const segments = path.split(/(?<!\\)\./).map((s) => s.replace(/\\(.)/g, "$1"));
  return walk(value, segments);
}

function walk(value: unknown, segments: string[]): { exists: boolean; value?: unknown } {
  if (segments.length === 0) return { exists: true, value };
  const [head, ...rest] = segments as [string, ...string[]];
  if (Array.isArray(value)) {
    if (head === "#") {
      if (rest.length === 0) return { exists: true, value: value.length };
      return { exists: true, value: value.map((item) => walk(item, rest)).filter((r) => r.exists).map((r) => r.value) };
    }
    if (/^\d+$/.test(head)) {
      const index = Number(head);
      return index < value.length ? walk(value[index], rest) : { exists: false };
    }
    return { exists: false };
  }
  if (isObject(value) && Object.hasOwn(value, head)) return walk(value[head], rest);
  return { exists: false };
}
