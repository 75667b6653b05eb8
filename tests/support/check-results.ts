// Reading `check`'s results in tests: a panel by title, a column of its first frame with fields by name.
import type { PanelResult } from "../../scripts/lib/check/run.ts";

export function panelOf(results: PanelResult[], title: string): PanelResult {
  const found = results.find((r) => r.panel === title);
  if (!found) throw new Error(`no panel "${title}" in the check results`);
  return found;
}

export function columnOf(result: PanelResult, name: string): unknown[] {
  const frame = result.frames.find((f) => f.fields.length);
  const field = frame?.fields.find((f) => f.name === name);
  if (!field) throw new Error(`panel "${result.panel}" has no column ${name} (columns: ${result.columns.join(", ")}; error: ${result.error ?? "none"})`);
  return field.values;
}

/** The rows of a panel's first frame as objects of the columns `names`. */
export function rowsOf(result: PanelResult, names: string[]): Record<string, unknown>[] {
  const columns = names.map((name) => columnOf(result, name));
  return (columns[0] ?? []).map((_, i) => Object.fromEntries(names.map((name, j) => [name, columns[j]![i]])));
}
