// Each dashboard's identity, written once: its uid (stable across pushes; the main one is the real
// system's existing uid) and title. The dashboard JSON, its file name, links and every consumer derive
// from these.
import type { DashboardBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import type { DashboardDefinition } from "../types.ts";

export const MAIN_DASHBOARD = { uid: "trading-system-monitoring", title: "Trading system monitoring" } as const;
export const SIGNAL_TRACE_DASHBOARD = { uid: "ytrader-signal-trace", title: "Signal trace" } as const;

/** Grafana's URL of a dashboard: /d/<uid>/<slug of the title>. */
export const dashboardUrl = (dashboard: { uid: string; title: string }) =>
  `/d/${dashboard.uid}/${dashboard.title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}`;

/** The signal trace of the signal in this table cell, keeping the time range. */
export const traceLink = { title: "Trace this signal", url: `${dashboardUrl(SIGNAL_TRACE_DASHBOARD)}?var-signal_id=\${__value.raw}&\${__url_time_range}` };

/** A built dashboard as the definitions hand it on: uid and title read from its own JSON. */
export function dashboardDefinition(board: DashboardBuilder): DashboardDefinition {
  const json = board.build() as unknown as Record<string, unknown> & { uid: string; title: string };
  return { uid: json.uid, title: json.title, file: json.uid, json };
}
