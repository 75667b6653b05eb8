// How a panel's result reads for people: one line, the same in `check` and `smoke`.
import type { PanelResult } from "./run.ts";

export function panelLine(r: PanelResult): string {
  const name = `${r.dashboard} / ${r.panel}`;
  const verdict = r.ok ? "ok" : "FAILED";
  const shown = r.value !== undefined ? `${r.rows} rows, shows "${r.value}"` : `${r.rows} rows`;
  return `${name.padEnd(62)} ${verdict.padEnd(7)} ${shown.padEnd(28)} ${String(r.ms).padStart(6)} ms${r.error ? `  ${r.error.split("\n").join(" ")}` : ""}`;
}
