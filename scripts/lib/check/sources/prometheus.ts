// Prometheus datasources (type prometheus): the browser puts the dashboard's variables into the expression
// with the Prometheus frontend's escaping, into the min step and legend with the default format, and
// computes the interval (@grafana/data's rangeUtil.calculateInterval, via display/time.ts) from the panel's
// Max data points, else its width in pixels, and its Min interval, else the datasource's scrape interval
// (prometheus-facts §9). The query then runs as Grafana's Prometheus library runs it (../prometheus/).
//
// Where check has no browser:
// - maxDataPoints: the panel's own when set; else its width on the preview's 1600 px grid
//   (display/time.ts GRID_WIDTH_PX: a w=12 panel counts 800 px); else Scenes' 500.
// - utcOffsetSec: 0, the dashboards' zone being UTC (§3).
// - "Both" (instant and range): the browser sends two queries (A and A-Instant); one target with both
//   flags answers the same frames here, range first.
// - Exemplars are not asked for: their frames are extra, and their failure never fails a query (§5).
import { PROMETHEUS_TYPE } from "../../../../grafana/datasources.ts";
import type { DatasourceDefinition } from "../../../../grafana/types.ts";
import type { Target } from "../dashboard-model.ts";
import { type PrometheusTarget, runPrometheusQuery } from "../prometheus/query.ts";
import { interpolateTemplate } from "../template.ts";
import type { DatasourceKind, QueryContext } from "./kind.ts";

async function asBrowserSends(target: Target, context: QueryContext, datasource: DatasourceDefinition): Promise<Target> {
  const prom = target as unknown as PrometheusTarget;
  const text = (value: string | undefined, format: "prometheus" | "infinity") =>
    interpolateTemplate(value ?? "", context.variables, { range: context.range, format });
  // A query that arrives with its interval (one the browser already sent, in the Grafana double) keeps
  // it; otherwise the panel's, which check computed as the browser does (check/run.ts panelContext: the
  // panel's Max data points or width, its Min interval, else this datasource's scrape interval).
  const interval =
    prom.intervalMs !== undefined
      ? { intervalMs: prom.intervalMs, maxDataPoints: prom.maxDataPoints ?? 100 }
      : { intervalMs: context.intervalMs, maxDataPoints: context.maxDataPoints };
  return {
    ...target,
    expr: text(prom.expr, "prometheus"),
    // The other fields take the template service's default format.
    interval: text(prom.interval, "infinity"),
    legendFormat: text(prom.legendFormat, "infinity"),
    intervalMs: interval.intervalMs,
    maxDataPoints: interval.maxDataPoints,
    utcOffsetSec: prom.utcOffsetSec ?? 0,
    exemplar: false,
  };
}

export const prometheusKind: DatasourceKind = {
  type: PROMETHEUS_TYPE,
  asBrowserSends,
  // Plain HTTP requests: nothing stays open between queries.
  open: (datasource) => ({
    async run(target, context, signal) {
      const sent = (await asBrowserSends(target, context, datasource)) as unknown as PrometheusTarget;
      // Hidden queries and empty expressions are never sent (§9.2).
      if (sent.hide || !sent.expr?.trim()) return [];
      const range = { from: context.range.from.getTime(), to: context.range.to.getTime() };
      return runPrometheusQuery({ url: datasource.url, jsonData: datasource.jsonData }, sent, range, signal);
    },
    close: async () => {},
  }),
};
