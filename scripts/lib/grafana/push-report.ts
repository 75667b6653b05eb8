// The push as people read it: Grafana's line, a line per item with what changed under it, then the count.
import { counted, stepLine } from "../cli.ts";
import type { PushStepResult } from "./push.ts";

const VERB: Record<string, string> = { create: "would create", update: "would update" };

export function pushReportLines(result: PushStepResult): string[] {
  const lines = [stepLine("grafana", "reachable", `${result.grafana.url}${result.grafana.version ? ` (Grafana ${result.grafana.version})` : ""}`)];
  for (const item of result.items) {
    const verdict = result.dryRun ? (VERB[item.action] ?? item.action) : item.action === "create" ? "created" : item.action === "update" ? "updated" : item.action;
    const version = item.version ? `version ${item.version}` : "";
    lines.push(stepLine(`${item.kind} ${item.name}`, verdict, [version, item.reason].filter(Boolean).join("; ")));
    for (const path of item.changed) lines.push(`    ${path}`);
    if (item.backup) lines.push(`    backup: ${item.backup}`);
  }
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
