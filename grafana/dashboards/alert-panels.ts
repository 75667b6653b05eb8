// The alerts on the main dashboard: Grafana's alert list of the Prometheus alert rules (prometheus/alerts.ts)
// at the top, and the firing alerts drawn on every time series as annotations (Prometheus' ALERTS series).
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import { type AnnotationQuery, AnnotationQueryBuilder, PanelBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { PROMETHEUS_DATASOURCE_NAME } from "../datasources.ts";
import { PROMETHEUS_DATASOURCE } from "../queries/prometheus.ts";

/** Grafana's alert list panel (type alertlist): the rules the Prometheus datasource evaluates, firing and
 *  pending ones, most important first. Its options are Grafana's UnifiedAlertListOptions. */
export function firingAlerts() {
  return new PanelBuilder()
    .type("alertlist")
    .title("Alerts")
    .description(
      "The alert rules Prometheus evaluates (prometheus/rules/ytrader.yml), firing and pending, most important first: a service, the " +
        "exchange link, a queue, the trading figures or the monitoring itself. Each alert's runbook (docs/runbooks/alerts.md) says what to do. " +
        "Empty: nothing is wrong that the rules know of.",
    )
    .options({
      viewMode: "list",
      groupMode: "default",
      groupBy: [],
      maxItems: 20,
      sortOrder: 3,
      dashboardAlerts: false,
      alertName: "",
      alertInstanceLabelFilter: "",
      datasource: PROMETHEUS_DATASOURCE_NAME,
      showInstances: true,
      showInactiveAlerts: false,
      stateFilter: { firing: true, pending: true, recovering: true, noData: false, normal: false, error: true },
    });
}

/** Firing alerts as annotations on every time series of the dashboard: one region per alert and series of
 *  labels, titled by the alert's name. Its toggle is drawn on the dashboard (the builder's default placement,
 *  the controls menu, hides it). */
export function firingAlertsAnnotation(): cog.Builder<AnnotationQuery> {
  const annotation = new AnnotationQueryBuilder()
    .name("Firing alerts")
    .datasource(PROMETHEUS_DATASOURCE)
    .enable(true)
    .iconColor("red")
    .expr('ALERTS{alertstate="firing"}')
    .step("1m")
    .titleFormat("{{alertname}}")
    .textFormat("{{severity}} {{service}} {{queue}}")
    .tagKeys("severity,service")
    .useValueForTime(false)
    .build();
  delete annotation.placement;
  return { build: () => annotation };
}
