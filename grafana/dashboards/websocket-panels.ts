// The Exchange WebSocket row of the main dashboard (US6): the link's status, its details as ws-gateway
// reports them, and the active subscriptions from the database.
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import * as col from "../columns.ts";
import { columns } from "../columns.ts";
import { LINK_BINDINGS, LINK_STATUS } from "../health.ts";
import { COLORS, WEBSOCKET_STATUS } from "../look.ts";
import { type RowColumns, columnOrder, infinityQuery, mapRows, valueAt } from "../queries/infinity.ts";
import { postgresQuery } from "../queries/postgres.ts";
import { statusStat } from "./health-panels.ts";

/** The exchange link as ws-gateway reports it, in the order the details table shows it: the newer
 *  gateway's websocket_state object when present; the flat fields otherwise, and "not exposed by
 *  ws-gateway" for what only the object carries. */
const WEBSOCKET_COLUMNS: RowColumns = {
  status: ["string", LINK_STATUS],
  connected: ["boolean", valueAt("$h.websocket_connected")],
  environment: ["string", `$rich ? ${valueAt("$w.environment")} : ($flat ? ${valueAt("$h.websocket_environment")} : "not exposed by ws-gateway")`],
  // The newest gateway's flat fields: which connection it reports (in practice the private one) and when
  // it last received a message (the container's local time, without zone, as the gateway writes it).
  endpoint_type: ["string", `$flat ? ${valueAt("$h.websocket_endpoint_type")} : "not exposed by ws-gateway"`],
  last_message_at: ["string", `$flat ? ($h.websocket_last_message_at ? $h.websocket_last_message_at : "none") : "not exposed by ws-gateway"`],
  connected_at: ["timestamp", `$rich ? ${valueAt("$w.connected_at")} : null`],
  connected_seconds: ["number", "$rich and $w.connected_at ? $round(($millis() - $connectedMs) / 1000) : null"],
  last_heartbeat: ["timestamp", `$rich ? ${valueAt("$w.last_heartbeat")} : null`],
  reconnection_count: ["number", `$rich ? ${valueAt("$w.reconnection_count")} : null`],
  last_error: ["string", '$rich ? ($w.last_error ? $w.last_error : "none") : "not exposed by ws-gateway"'],
  active_subscriptions: ["number", valueAt("$h.active_subscriptions")],
  source: ["string", '$rich ? "websocket_state" : ($flat ? "flat fields (newest ws-gateway)" : "flat fields (older ws-gateway)")'],
};

// connected_at in milliseconds, read the same way by both JSONata engines: jsonata-go's $toMillis drops the
// time of a numeric offset (+00:00, Python's isoformat) and the JS package refuses the space-separated form,
// so the date and time are rebuilt as "YYYY-MM-DDThh:mm:ss[.fraction]Z" and the offset subtracted by hand.
const CONNECTED_MS =
  '$t := $w.connected_at ? $w.connected_at : ""; $z := $substring($t, 19); ' +
  '$frac := $contains($z, ".") ? "." & $substringBefore($substringBefore($substringBefore($substringAfter($z, "."), "Z"), "+"), "-") : ""; ' +
  '$sign := $contains($z, "+") ? 1 : ($contains($z, "-") ? -1 : 0); ' +
  '$off := $sign = 1 ? $substringAfter($z, "+") : ($sign = -1 ? $substringAfter($z, "-") : "00:00"); ' +
  '$connectedMs := $t ? $toMillis($replace($substring($t, 0, 19), " ", "T") & $frac & "Z") - ' +
  "$sign * ($number($substring($off, 0, 2)) * 60 + $number($substring($off, 3, 2))) * 60000 : null;";

/** The newest gateway's flat fields are there: `$flat`. */
const FLAT_BINDING = "$flat := $exists($h.websocket_environment);";

const websocketQuery = () =>
  infinityQuery("ws-gateway", "/health")
    .rootSelector(mapRows("$", "$h", WEBSOCKET_COLUMNS, { bindings: `${LINK_BINDINGS} ${FLAT_BINDING} ${CONNECTED_MS}` }))
    .columns(WEBSOCKET_COLUMNS);

export function websocketStatus() {
  return statusStat("Bybit WebSocket", "status", WEBSOCKET_STATUS)
    .description(
      "The private (authenticated) Bybit WebSocket link as ws-gateway reports it. Green connected, yellow connecting or " +
        "reconnecting (or a word ws-gateway did not use before), red disconnected; red \"unknown\" when ws-gateway cannot be reached.",
    )
    .withTarget(websocketQuery());
}

export function websocketDetails() {
  const panel = new TablePanel()
    .title("WebSocket link details")
    .description(
      "Environment, endpoint, last message, connection time and duration, last heartbeat, reconnection count, last error and " +
        "active subscriptions. The newest ws-gateway adds flat fields: environment, the endpoint type of the connection it " +
        "reports (the private one; the public market-data link is not reported) and when it last received a message (its own " +
        "local time). What a gateway does not expose reads \"not exposed by ws-gateway\", and the times and counts of the " +
        "websocket_state object stay empty without it (Read from says which). Red: disconnected; yellow: reconnecting, or any reconnection.",
    )
    .withTarget(websocketQuery())
    .withTransformation({ id: "organize", options: { indexByName: columnOrder([WEBSOCKET_COLUMNS]) } })
    .noValue("unknown");
  return columns(panel, {
    status: col.status("Status", WEBSOCKET_STATUS),
    connected: col.flag("Connected", "good"),
    environment: col.text("Environment"),
    endpoint_type: col.text("Endpoint"),
    last_message_at: col.text("Last message"),
    connected_at: col.time("Connected since"),
    connected_seconds: col.duration("Connected for"),
    last_heartbeat: col.time("Last heartbeat"),
    reconnection_count: col.countAlert("Reconnections", COLORS.ok, [1, COLORS.warn]),
    last_error: col.text("Last error"),
    active_subscriptions: col.count("Subscriptions"),
    source: col.text("Read from"),
  });
}

export function activeSubscriptions() {
  const panel = new TablePanel()
    .title("Active subscriptions")
    .description(
      "Active exchange subscriptions by channel and requesting service, from the database: how many, for which symbols, and the " +
        "last market event seen. Narrowed by the service variable.",
    )
    .withTarget(postgresQuery("subscriptions-active"))
    .noValue("no active subscriptions");
  return columns(panel, {
    channel_type: col.text("Channel"),
    requesting_service: col.text("Requested by"),
    active: col.count("Subscriptions"),
    symbols: col.text("Symbols"),
    last_event_at: col.time("Last event", "none yet"),
  });
}
