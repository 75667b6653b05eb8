// The push as people read it: Grafana's line, a line per item with what changed under it, then the count.
import { counted, stepLines } from "../cli.ts";
import type { PushStepResult } from "./push.ts";

const VERB: Record<string, string> = { create: "would create", update: "would update" };

export function pushReportLines(result: PushStepResult): string[] {
  // Each item's line, then what changed under it; the columns line up over all of them.
  const rows: [string, string, string][] = [["grafana", "reachable", `${result.grafana.url}${result.grafana.version ? ` (Grafana ${result.grafana.version})` : ""}`]];
  const under: string[][] = [[]];
  for (const item of result.items) {
    const verdict = result.dryRun ? (VERB[item.action] ?? item.action) : item.action === "create" ? "created" : item.action === "update" ? "updated" : item.action;
    const version = item.version ? `version ${item.version}` : "";
    rows.push([`${item.kind} ${item.name}`, verdict, [version, item.reason].filter(Boolean).join("; ")]);
    under.push([...item.changed.map((path) => `    ${path}`), ...(item.backup ? [`    backup: ${item.backup}`] : [])]);
  }
  const lines = stepLines(rows).flatMap((line, i) => [line, ...under[i]!]);
  const refused = result.items.filter((i) => i.action === "refused").length;
  const changes = counted(result.changes, "change");
  // "Grafana already has the same content" only when nothing was refused either: a refused dashboard differs.
  if (result.dryRun) lines.push(`${changes} planned; nothing changed (--dry-run)`);
  else lines.push(result.changes || refused ? changes : "0 changes: Grafana already has the same content");
  if (refused) {
    const which = refused === 1 ? "1 dashboard changed in Grafana since the last push was" : `${refused} dashboards changed in Grafana since the last push were`;
    lines.push(`${which} ${result.dryRun ? "would not be" : "not"} overwritten: review, then push --force (backs ${refused === 1 ? "it" : "them"} up first)`);
  }
  return lines;
}
