// Each dashboard's identity, written once: its uid (stable across pushes; the main one is the real
// system's existing uid) and title. The dashboard JSON, its file name, links and every consumer derive
// from these.
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import { DashboardBuilder, DashboardLinkBuilder, type DashboardLink } from "@grafana/grafana-foundation-sdk/dashboard";
import { TIMEZONE } from "../look.ts";
import type { DashboardDefinition } from "../types.ts";

export const MAIN_DASHBOARD = { uid: "trading-system-monitoring", title: "Trading system monitoring" } as const;
export const SIGNAL_TRACE_DASHBOARD = { uid: "ytrader-signal-trace", title: "Signal trace" } as const;

/** Grafana's URL of a dashboard: /d/<uid>/<slug of the title>. */
export const dashboardUrl = (dashboard: { uid: string; title: string }) =>
  `/d/${dashboard.uid}/${dashboard.title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}`;

/** The signal trace of the signal in this table cell, keeping the time range. */
export const traceLink = { title: "Trace this signal", url: `${dashboardUrl(SIGNAL_TRACE_DASHBOARD)}?var-signal_id=\${__value.raw}&\${__url_time_range}` };

/** A link to another dashboard, on the dashboard itself beside its variables, keeping the time range. The
 *  SDK's builder puts a link in the controls menu (placement "inControlsMenu"), where nobody finds it: a
 *  link without a placement is drawn on the dashboard. */
export function dashboardLink(target: { uid: string; title: string }): cog.Builder<DashboardLink> {
  const link = new DashboardLinkBuilder(target.title).url(dashboardUrl(target)).keepTime(true).build();
  delete link.placement;
  return { build: () => link };
}

/** What every dashboard of the toolkit starts with: its identity, the tags, its description, UTC, its
 *  refresh if it has one, and the last 24 hours. */
export function toolkitDashboard(dashboard: { uid: string; title: string }, description: string, options: { refresh?: string } = {}): DashboardBuilder {
  const board = new DashboardBuilder(dashboard.title).uid(dashboard.uid).tags(["ytrader", "trading"]).description(description).timezone(TIMEZONE);
  if (options.refresh) board.refresh(options.refresh);
  return board.time({ from: "now-24h", to: "now" });
}

/** A built dashboard as the definitions hand it on: uid and title read from its own JSON. */
export function dashboardDefinition(board: DashboardBuilder): DashboardDefinition {
  const json = board.build() as unknown as Record<string, unknown> & { uid: string; title: string };
  return { uid: json.uid, title: json.title, file: json.uid, json };
}
