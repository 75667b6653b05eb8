// The main dashboard's variables. Every multi-value variable has the custom all value '__all__' (quotes
// included, inserted raw): queries test `'__all__' IN ($var) OR col IN ($var)`, which PostgreSQL folds
// away when the plan is made, instead of an IN list of every value. All is the default everywhere.
import { CustomVariableBuilder, QueryVariableBuilder, VariableRefresh, VariableSort } from "@grafana/grafana-foundation-sdk/dashboard";
import { DATASOURCE_UIDS, POSTGRES_TYPE } from "../datasources.ts";
import { panelSql } from "../queries/postgres.ts";
import { ALL_SELECTED, CUSTOM_ALL_VALUE } from "../types.ts";

const ALL = { text: "All", value: ALL_SELECTED };

/** The event types of the event history, in the words of the spec's event model. */
export const EVENT_TYPES = [
  "signal_received",
  // The newest shape: signals stored as rejected, and positions closed (one row per position).
  "signal_rejected",
  "position_closed",
  "order_created",
  "order_filled",
  "order_cancelled",
  "order_rejected",
  "model_activated",
  "subscription_created",
  "subscription_cancelled",
  // The monitor's state changes (scripts/lib/monitor/events.ts).
  "service_healthy",
  "service_degraded",
  "service_unhealthy",
  "service_unreachable",
  "websocket_connected",
  "websocket_disconnected",
  "websocket_connecting",
  "websocket_reconnecting",
  "model_training_started",
  "model_training_completed",
] as const;

const fromDatabase = (name: string, label: string, sqlFile: string) =>
  new QueryVariableBuilder(name)
    .label(label)
    .datasource({ type: POSTGRES_TYPE, uid: DATASOURCE_UIDS.postgres })
    .query(panelSql(sqlFile))
    .definition(panelSql(sqlFile))
    .refresh(VariableRefresh.OnDashboardLoad)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue(CUSTOM_ALL_VALUE)
    .current(ALL);

const fixedList = (name: string, label: string, values: readonly string[]) =>
  new CustomVariableBuilder(name).label(label).values(values.join(",")).multi(true).includeAll(true).allValue(CUSTOM_ALL_VALUE).current(ALL);

export const strategyVariable = () => fromDatabase("strategy", "Strategy", "var-strategy");
export const assetVariable = () => fromDatabase("asset", "Asset", "var-asset");
export const eventTypeVariable = () => fixedList("event_type", "Event type", EVENT_TYPES);
export const serviceVariable = (services: readonly string[]) => fixedList("service", "Service", services);
/** Whether the signals table shows rejected signals (the newest model-service stores one on every
 *  inference that does not pass): hidden by default. One value, inserted raw. */
export const rejectedVariable = () =>
  new CustomVariableBuilder("rejected").label("Rejected signals").values("hidden,shown").multi(false).includeAll(false).current({ text: "hidden", value: "hidden" });
