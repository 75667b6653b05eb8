// Infinity's root selector when it is a JSONata expression: the subset both jsonata-go 1.8.8 (Infinity's
// backend) and the JS jsonata package evaluate alike (infinity-facts §4, §7), its lint, and its evaluation.
import jsonata from "jsonata";
import { frameError } from "./types.ts";

// JSONata functions both jsonata-go 1.8.8 and the JS package evaluate alike (infinity-facts §4 safe subset)
const SAFE_FUNCTIONS = new Set([
  "count", "sum", "max", "min", "average", "map", "filter", "reduce", "exists", "boolean", "not", "length",
  "substring", "substringBefore", "substringAfter", "uppercase", "lowercase", "contains", "split", "join",
  "replace", "round", "floor", "ceil", "abs", "append", "distinct", "reverse", "sort", "merge", "lookup",
  "toMillis", "fromMillis", "number", "trim", "now", "millis",
]);
const GO_ONLY_FUNCTIONS = new Set([
  "objmerge", "sjoin", "unescape", "hashmd5", "hash256", "dateTimeDim", "dateTimeDimLite", "timeSince",
  "objectsToDocument", "oneToManyJoin", "accumulatingSlice", "renameKeys",
]);
const JSONATA_KEYWORDS = new Set(["and", "or", "in", "true", "false", "null", "function"]);

/** Problems that put a root selector outside the subset; [] when inside. */
export function rootSelectorProblems(selector: string): string[] {
  const s = selector.trim();
  if (s === "") return [];
  if (/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/.test(s)) {
    const bad = s.split(".").filter((seg) => JSONATA_KEYWORDS.has(seg) || (/^\d/.test(seg) && !/^\d+$/.test(seg)));
    return bad.length ? [`root selector ${JSON.stringify(s)}: segment ${bad.map((b) => JSON.stringify(b)).join(", ")} reads differently in JSONata; use another path`] : [];
  }
  if (s.startsWith("$.") || s.startsWith("$ .")) {
    return [`root selector ${JSON.stringify(s)}: "$.{...}"/"$.path" forms are answered by gjson first (it returns {} or the wrong value); use $map($, function($v){ ... })`];
  }
  if (!/^\$[A-Za-z_]\w*\s*\(/.test(s)) {
    return [`root selector ${JSON.stringify(s)} is neither a plain dotted path (a.b.c) nor a JSONata expression starting with a function call such as $map(`];
  }
  return lintJsonata(s);
}

function lintJsonata(expression: string): string[] {
  const problems: string[] = [];
  const where = `root selector ${JSON.stringify(expression)}`;
  if (expression.includes("/*")) problems.push(`${where}: comments are refused (jsonata-go strips /* */ even inside strings)`);
  const code = blankStrings(expression);
  if (code === undefined) return [`${where}: unterminated string literal`];
  const checks: Array<[RegExp, string]> = [
    [/\?\?/, `"??" (JSONata 2.1) does not exist in jsonata-go`],
    [/\?:/, `"?:" (JSONata 2.1) does not exist in jsonata-go`],
    [/%/, `"%" is the parent operator in JS JSONata but modulo in jsonata-go`],
    [/#/, `"#$" positional binding does not exist in jsonata-go`],
    [/@/, `"@$" context binding does not exist in jsonata-go ("@" is a join there)`],
    [/\|/, `the transform operator "|...|" is outside the subset`],
    [/\*\*/, `"**" descends in object-key order, which is random in jsonata-go`],
  ];
  for (const [pattern, message] of checks) if (pattern.test(code)) problems.push(`${where}: ${message}`);
  if (isWildcardUsed(code)) problems.push(`${where}: the "*" wildcard walks object keys, whose order is random in jsonata-go`);
  if (/(^|[(,[:?])\s*\/[^/*]/.test(code)) problems.push(`${where}: regular expressions are outside the subset (Go RE2 differs from JavaScript)`);
  for (const match of code.matchAll(/\$(\w+)\s*\(/g)) {
    const name = match[1]!;
    if (name === "string") problems.push(`${where}: $string() is refused (jsonata-go sorts object keys and formats numbers differently)`);
    else if (["keys", "each", "spread", "sift"].includes(name)) problems.push(`${where}: $${name}() depends on object key order, random in jsonata-go`);
    else if (["formatInteger", "parseInteger", "assert"].includes(name)) problems.push(`${where}: $${name}() does not exist in jsonata-go`);
    else if (name === "eval") problems.push(`${where}: $eval() takes its arguments in reverse order in jsonata-go`);
    else if (GO_ONLY_FUNCTIONS.has(name)) problems.push(`${where}: $${name}() exists only in jsonata-go`);
    else if (!SAFE_FUNCTIONS.has(name)) problems.push(`${where}: $${name}() is not in the subset both JSONata engines agree on`);
  }
  return problems;
}

// Replaces the contents of '...', "..." and `...` with spaces so that operators inside strings are ignored.
function blankStrings(text: string): string | undefined {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '"' || c === "`") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === "\\" && c !== "`" ? 2 : 1;
      if (j >= text.length) return undefined;
      out += c + " ".repeat(j - i - 1) + c;
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

// "*" is multiplication after a value (name, number, ")" "]" or a string) and a wildcard elsewhere
function isWildcardUsed(code: string): boolean {
  for (let i = 0; i < code.length; i++) {
    if (code[i] !== "*" || code[i + 1] === "*" || code[i - 1] === "*") continue;
    const before = code.slice(0, i).trimEnd();
    const prev = before[before.length - 1];
    if (prev === undefined || !/[A-Za-z0-9_)\]'"`$]/.test(prev)) return true;
  }
  return false;
}

/** Evaluates a JSONata root selector (already linted) as Infinity's backend does, with its error wording. */
export async function evaluateJsonata(body: unknown, selector: string): Promise<unknown> {
  let expression: ReturnType<typeof jsonata>;
  try {
    expression = jsonata(selector);
  } catch (error) {
    throw frameError(`failed to compile JSONata expression\n${jsonataMessage(error)}`);
  }
  let result: unknown;
  try {
    result = await expression.evaluate(body);
  } catch (error) {
    throw frameError(`error evaluating JSONata expression\n${jsonataMessage(error)}`);
  }
  if (result === undefined) throw frameError("error evaluating JSONata expression\nno results found");
  return JSON.parse(JSON.stringify(result) ?? "null");
}

function jsonataMessage(error: unknown): string {
  const e = error as { message?: string; position?: number };
  return `${e.message ?? String(error)}${typeof e.position === "number" ? `, position: ${e.position}` : ""}`;
}
