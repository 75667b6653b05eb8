// Prometheus targets for the dashboards: the foundation SDK's own query builder on the Prometheus
// datasource (fixed uid), a range query in code mode with its legend. And the PromQL pieces every
// history panel shares: how a dashboard variable narrows a label, and when the monitor counts as down.
import { DataqueryBuilder, QueryEditorMode } from "@grafana/grafana-foundation-sdk/prometheus";
import { MONITOR_JOB, MONITOR_METRICS } from "../../prometheus/metrics.ts";
import { DATASOURCE_UIDS, PROMETHEUS_TYPE } from "../datasources.ts";
import { CUSTOM_ALL_VALUE } from "../types.ts";


/** The Prometheus datasource, for a panel whose queries all go to it. */
export const PROMETHEUS_DATASOURCE = { type: PROMETHEUS_TYPE, uid: DATASOURCE_UIDS.prometheus };

/** A range query of `expr` on the Prometheus datasource, each series named by `legend`. */
export const prometheusQuery = (expr: string, legend: string, refId = "A") =>
  new DataqueryBuilder()
    .datasource(PROMETHEUS_DATASOURCE)
    .editorMode(QueryEditorMode.Code)
    .expr(expr)
    .legendFormat(legend)
    .range()
    .refId(refId);

/**
 * A series selector narrowed to the values of dashboard variable `variable` on `label`: the selected
 * values as the Prometheus frontend puts them in (a regex, `(a|b)` for several), or every series when All
 * is selected, whose custom all value no label has. For All, each series gets a label `sel` equal to the
 * all value and is kept when the variable's value is that same text (label_replace writes the variable's
 * value into `sel` of a constant vector; `and on(sel)` keeps the series whose `sel` matches).
 * `select(m)` gives the selector (or a function of it) with the matchers `m`.
 */
export function narrowed(select: (matchers: string) => string, matchers: string, label: string, variable: string): string {
  const and = matchers ? `${matchers}, ` : "";
  return (
    `(${select(`${and}${label}=~"$${variable}"`)} or ` +
    `(label_replace(${select(matchers)}, "sel", "${CUSTOM_ALL_VALUE}", "", "") and on(sel) label_replace(vector(1), "sel", "$${variable}", "", "")))`
  );
}

/** The monitor's series carry this job. */
export const MONITOR_SELECTOR = `job="${MONITOR_JOB}"`;

/**
 * One sample while the monitor counts as down: Prometheus' scrape of it fails (up 0), it was never
 * scraped (no up at all), or it answers but its last reading ended more than two intervals and a source
 * timeout ago (the rule its own /healthz follows). Its own series vanish then, so a panel would otherwise
 * show nothing, or a state from before.
 */
export const MONITOR_DOWN =
  `(up{${MONITOR_SELECTOR}} == 0 or absent(up{${MONITOR_SELECTOR}}) or ` +
  `(time() - ${MONITOR_METRICS.lastCycle}{${MONITOR_SELECTOR}} > 2 * ${MONITOR_METRICS.interval}{${MONITOR_SELECTOR}} + 10))`;

/** A state while the monitor is up (`now`), and MONITOR_DOWN_VALUE while it is down for every series
 *  `before` gives (the same series over the hour before, by last_over_time; a constant of the same labels
 *  for one row), so that each row of a timeline says so rather than going blank or keeping a state from
 *  before. Both sides must have the same labels, or a row splits in two. */
export function unlessMonitorDown(now: string, before: string): string {
  // "+ 0" drops the metric name, as the arithmetic of the other side does: each row is one series.
  return `((${now}) + 0 unless on() ${MONITOR_DOWN}) or ((${before}) * 0 + ${MONITOR_DOWN_VALUE} and on() ${MONITOR_DOWN})`;
}

/** A state selector of the monitor's, or "monitor down" for it (the same series over the hour before). */
export const selectorOrDown = (selector: string) => unlessMonitorDown(selector, `last_over_time(${selector}[1h])`);

/** The value a state series takes while the monitor is down, mapped to "monitor down". */
export const MONITOR_DOWN_VALUE = -1;
