// What the generated dashboards display, panel by panel, computed by Grafana's own @grafana/data (the display
// step check runs) from the panels' real JSON and frames arranged here: the text and colour of a cell or a
// stat. And the rules every panel keeps: no value mapping blanks a value, every coloured column says its
// colours, every status column colours a word it does not know without calling it good, no query mentions a
// variable in a comment. Expected colours are the dark theme's: red #F2495C, green #73BF69, orange #FF9830,
// yellow #FADE2A, blue #5794F2.
import { describe, expect, test } from "bun:test";
import { dashboardDefinitions } from "../grafana/index.ts";
import { dashboardPanels, dashboardVariables } from "../scripts/lib/check/dashboard-model.ts";
import { frameFromJson } from "../scripts/lib/check/infinity/query.ts";
import type { InfinityTarget } from "../scripts/lib/check/infinity/types.ts";
import type { InputFrame } from "../scripts/lib/display/frames.ts";
import { type PanelJson, type StatDisplay, type TableDisplay, displayPanel } from "../scripts/lib/display/panel.ts";

const RED = "#F2495C";
const GREEN = "#73BF69";
const ORANGE = "#FF9830";
const YELLOW = "#FADE2A";
/** "transparent" as the theme gives it: a cell that looks uncoloured. */
const TRANSPARENT = "#00000000";

type Json = Record<string, unknown>;
const dashboards = dashboardDefinitions();
const allPanels = dashboards.flatMap((d) => dashboardPanels(d));

function panelJson(title: string): PanelJson {
  const found = allPanels.filter((p) => p.title === title);
  if (found.length !== 1) throw new Error(`${found.length} panels titled "${title}"`);
  return found[0]!.json;
}

const str = (name: string, values: unknown[]) => ({ name, type: "string", values });
const num = (name: string, values: unknown[]) => ({ name, type: "number", values });
const bool = (name: string, values: unknown[]) => ({ name, type: "boolean", values });
const time = (name: string, values: unknown[]) => ({ name, type: "time", values });

async function table(title: string, frames: InputFrame[]): Promise<TableDisplay> {
  const shown = await displayPanel(panelJson(title), frames, { rows: 100 });
  if (shown.kind !== "table") throw new Error(`${title} is not a table`);
  return shown;
}

async function stat(title: string, frames: InputFrame[]) {
  const shown = (await displayPanel(panelJson(title), frames)) as StatDisplay;
  if (shown.kind !== "stat") throw new Error(`${title} is not a stat`);
  return { text: shown.values[0]!.shown, color: shown.values[0]!.color };
}

/** The cell under `header` in row `row`: its text, and its colour unless it has none a person sees. */
function cell(shown: TableDisplay, row: number, header: string) {
  const index = shown.columns.findIndex((c) => c.header === header);
  if (index < 0) throw new Error(`no column "${header}": ${shown.columns.map((c) => c.header).join(", ")}`);
  const { text, color } = shown.rows[row]![index]!;
  return color && color !== TRANSPARENT ? { text, color } : { text };
}

const AT = Date.UTC(2026, 2, 10, 12, 0, 0);

// The comments of a PostgreSQL query: -- to the end of the line, and block comments (nested), outside
// string literals, quoted identifiers and dollar-quoted strings.
function sqlComments(sql: string): string[] {
  const comments: string[] = [];
  let i = 0;
  while (i < sql.length) {
    const rest = sql.slice(i);
    const dollar = /^\$([A-Za-z_]\w*)?\$/.exec(rest);
    if (rest.startsWith("--")) {
      const end = sql.indexOf("\n", i);
      comments.push(sql.slice(i, end < 0 ? sql.length : end));
      i = end < 0 ? sql.length : end;
    } else if (rest.startsWith("/*")) {
      let depth = 0;
      let j = i;
      do {
        if (sql.startsWith("/*", j)) (depth++, (j += 2));
        else if (sql.startsWith("*/", j)) (depth--, (j += 2));
        else j++;
      } while (depth > 0 && j < sql.length);
      comments.push(sql.slice(i, j));
      i = j;
    } else if (sql[i] === "'" || sql[i] === '"') {
      const quote = sql[i]!;
      let j = i + 1;
      while (j < sql.length && !(sql[j] === quote && sql[j + 1] !== quote)) j += sql[j] === quote ? 2 : 1;
      i = j + 1;
    } else if (dollar) {
      const end = sql.indexOf(dollar[0], i + dollar[0].length);
      i = end < 0 ? sql.length : end + dollar[0].length;
    } else {
      i++;
    }
  }
  return comments;
}

describe("numbers as a person reads them", () => {
  test("a rejected count reads \"3\" on red (the number stays)", async () => {
    const shown = await table("Rejected orders in the range", [{ fields: [str("reason", ["insufficient balance"]), num("orders", [3]), time("last_seen", [AT])] }]);
    expect(cell(shown, 0, "Rejected")).toEqual({ text: "3", color: RED });
    expect(cell(shown, 0, "Last seen")).toEqual({ text: "2026-03-10 12:00:00" });
  });

  test("a negative PnL reads with its sign and unit in red, a gain in green", async () => {
    const shown = await table("Positions and PnL", [
      {
        fields: [
          str("asset", ["BTCUSDT", "ETHUSDT"]),
          num("size", [-0.019, 1.514359]),
          num("unrealized_pnl", [-12.5, 109]),
          num("realized_pnl", [24.8, -0.1]),
        ],
      },
    ]);
    expect(cell(shown, 0, "Unrealized PnL")).toEqual({ text: "-12.50 USDT", color: RED });
    expect(cell(shown, 1, "Unrealized PnL")).toEqual({ text: "109.00 USDT", color: GREEN });
    expect(cell(shown, 0, "Realized PnL")).toEqual({ text: "24.80 USDT", color: GREEN });
    expect(cell(shown, 1, "Realized PnL")).toEqual({ text: "-0.10 USDT", color: RED });
    expect(cell(shown, 1, "Size").text).toBe("1.514359");
  });

  test("prices and quantities keep their digits; neighbouring prices read apart", async () => {
    const shown = await table("Trading signals: last 100", [
      { fields: [str("signal_id", ["a", "b", "c"]), num("price", [2.29812, 2.29714, 3668.306885]), num("confidence", [0.7689, 0.5, 0.61])] },
    ]);
    expect(shown.rows.map((_, i) => cell(shown, i, "Price").text)).toEqual(["2.29812", "2.29714", "3,668.306885"]);
    expect(cell(shown, 0, "Confidence").text).toBe("76.9%");
    const orders = await table("Orders: last 100", [{ fields: [num("quantity", [100.4]), num("filled_quantity", [0.00418]), num("execution_price", [2.279011])] }]);
    expect([cell(orders, 0, "Quantity").text, cell(orders, 0, "Filled").text, cell(orders, 0, "Execution price").text]).toEqual(["100.4", "0.00418", "2.279011"]);
  });

  test("queues sorted by lag, worst first: lagging ones, then by messages waiting", async () => {
    const queues = allPanels.find((p) => p.title === "RabbitMQ queues")!;
    const queue = (name: string, messages: number, consumers: number, publish = 0, deliver = 0) => ({
      name, vhost: "/", messages, messages_ready: messages, messages_unacknowledged: 0, consumers,
      message_stats: { publish_details: { rate: publish }, deliver_get_details: { rate: deliver } },
    });
    const body = [
      queue("a.quiet", 0, 1),
      queue("b.some", 40, 1),
      queue("c.backlog", 5000, 1),
      queue("d.no-consumer", 3, 0),
      queue("e.under-consumed", 20, 1, 10, 0.5),
    ];
    const frame = await frameFromJson(body, queues.targets[0] as unknown as InfinityTarget);
    const shown = await table("RabbitMQ queues", [frame]);
    const rows = shown.rows.map((_, i) => [cell(shown, i, "Queue").text, cell(shown, i, "Lagging").text]);
    expect(rows).toEqual([
      ["c.backlog", "yes"],
      ["e.under-consumed", "yes"],
      ["b.some", "no"],
      ["d.no-consumer", "no"],
      ["a.quiet", "no"],
    ]);
  });

  test("queue rates read in messages per second", async () => {
    const shown = await table("RabbitMQ queues", [{ fields: [str("queue", ["q"]), num("publish_rate", [1.6]), num("deliver_rate", [0])] }]);
    expect([cell(shown, 0, "Published").text, cell(shown, 0, "Delivered").text]).toEqual(["1.60 msg/s", "0.00 msg/s"]);
  });

  test("win and fill rates under 50% are red, from 50% green; a strategy not evaluated says so, uncoloured", async () => {
    const shown = await table("Model quality per strategy", [
      { fields: [str("strategy_id", ["a", "b"]), num("win_rate", [0.473, null]), num("fill_rate", [0.5, 0.2])] },
    ]);
    expect(cell(shown, 0, "Win rate")).toEqual({ text: "47.3%", color: RED });
    expect(cell(shown, 1, "Win rate").text).toBe("not evaluated");
    expect(cell(shown, 1, "Win rate").color ?? "none").not.toBe(GREEN);
    expect([cell(shown, 0, "Fill rate"), cell(shown, 1, "Fill rate")]).toEqual([
      { text: "50.0%", color: GREEN },
      { text: "20.0%", color: RED },
    ]);
  });
});

describe("health", () => {
  // Each part's health query answers one row naming itself (grafana/health.ts)
  const part = (refId: string, service: string, status: string, score: number): InputFrame => ({
    refId,
    fields: [str("service", [service]), str("status", [status]), num("score", [score])],
  });
  const services = ["ws-gateway", "model-service", "order-manager", "position-manager", "postgresql", "rabbitmq"];
  const healthyParts = () => services.map((s, i) => part(String.fromCharCode(65 + i), s, "healthy", 1));
  const link = (status: string, score: number) => part("G", "bybit-websocket", status, score);

  test("all parts healthy and the link connected read healthy in green", async () => {
    expect(await stat("Overall health", [...healthyParts(), link("connected", 1)])).toEqual({ text: "healthy", color: GREEN });
  });

  test("an unknown health reads \"unknown\" in red, not \"healthy\": a part that did not answer, or none at all", async () => {
    const [, ...withoutFirst] = healthyParts();
    expect(await stat("Overall health", [...withoutFirst, link("connected", 1)])).toEqual({ text: "unknown", color: RED });
    expect(await stat("Overall health", [])).toEqual({ text: "unknown", color: RED });
    expect(await stat("order-manager", [])).toEqual({ text: "unknown", color: RED });
  });

  test("the exchange link not connected makes the whole degraded (orange), never healthy; unreachable still ranks worse", async () => {
    expect(await stat("Overall health", [...healthyParts(), link("disconnected", 9)])).toEqual({ text: "degraded", color: ORANGE });
    const [, ...withoutFirst] = healthyParts();
    expect(await stat("Overall health", [...withoutFirst, link("disconnected", 9)])).toEqual({ text: "unknown", color: RED });
  });

  test("a part that answers unhealthy (or position-manager's degraded) makes the whole unhealthy, red", async () => {
    const parts = healthyParts();
    parts[3] = part("D", "position-manager", "degraded", 100);
    expect(await stat("Overall health", [...parts, link("connected", 1)])).toEqual({ text: "unhealthy", color: RED });
  });

  test("a service's own words: degraded orange, unhealthy red, a word not known here yellow", async () => {
    const one = (status: string) => stat("position-manager", [part("D", "position-manager", status, 100)]);
    expect(await one("degraded")).toEqual({ text: "degraded", color: ORANGE });
    expect(await one("unhealthy")).toEqual({ text: "unhealthy", color: RED });
    expect(await one("starting")).toEqual({ text: "starting", color: YELLOW });
  });

  test("merged component rows: a cell that does not apply reads empty and uncoloured, an error in red", async () => {
    const shown = await table("Service components and errors", [
      { refId: "A", fields: [str("service", ["ws-gateway"]), str("status", ["healthy"]), num("score", [1]), str("websocket", ["connected"])] },
      { refId: "B", fields: [str("service", ["model-service"]), str("status", ["unhealthy"]), num("score", [100]), str("storage", ["healthy"]), str("errors", ["Not connected"])] },
      { refId: "D", fields: [str("service", ["position-manager"]), str("status", ["healthy"]), num("score", [1]), num("validation_errors", [2])] },
    ]);
    expect(cell(shown, 0, "Model storage").text).toBe("");
    expect(cell(shown, 0, "Errors").text).toBe("");
    expect(cell(shown, 1, "Errors")).toEqual({ text: "Not connected", color: RED });
    expect(cell(shown, 2, "Validation errors")).toEqual({ text: "2", color: RED });
    for (const row of shown.rows) for (const c of row) expect(c.text).not.toBe("no service answered");
  });
});

describe("tables", () => {
  test("a pending order's empty cells read empty, not the panel's \"no orders\" text", async () => {
    const shown = await table("Orders: last 100", [
      { fields: [str("order_id", ["o1"]), str("status", ["pending"]), num("execution_price", [null]), num("fees", [null]), time("executed_at", [null]), num("realized_pnl", [null])] },
    ]);
    for (const header of ["Execution price", "Fees", "Executed", "Realized PnL"]) expect(cell(shown, 0, header)).toEqual({ text: "" });
    expect(cell(shown, 0, "Status")).toEqual({ text: "pending", color: "#5794F2" });
  });

  test("booleans read yes or no everywhere, the signal trace too", async () => {
    const trace = await table("Orders of the signal", [{ fields: [str("order_id", ["o1", "o2"]), bool("dry_run", [true, false])] }]);
    expect([cell(trace, 0, "Dry run").text, cell(trace, 1, "Dry run").text]).toEqual(["yes", "no"]);
    const signal = await table("Signal", [{ fields: [str("signal_id", ["s"]), bool("warm_up", [false])] }]);
    expect(cell(signal, 0, "Warm-up").text).toBe("no");
  });

  test("a training status of an unexpected shape (a 200 without is_training) shows unknown, not a row of nulls", async () => {
    const training = allPanels.find((p) => p.title === "Training now")!;
    const frame = await frameFromJson({ detail: "Not Found" }, training.targets[0] as unknown as InfinityTarget);
    expect(frame.fields).toEqual([]);
    const shown = await table("Training now", [frame]);
    expect([shown.rows.length, shown.message]).toEqual([0, "unknown"]);
  });

  test("every status column colours a word it does not know as a warning or not at all, never green", async () => {
    let checked = 0;
    for (const panel of allPanels.filter((p) => p.type === "table")) {
      const overrides = (panel.json.fieldConfig?.overrides ?? []) as Array<{ matcher: { id: string; options: string }; properties: Array<{ id: string; value: unknown }> }>;
      for (const override of overrides) {
        const mappings = override.properties.find((p) => p.id === "mappings")?.value as Array<{ type: string }> | undefined;
        if (!mappings?.some((m) => m.type === "value")) continue;
        const shown = await displayPanel(panel.json, [{ fields: [str(override.matcher.options, ["a word nobody uses"])] }]);
        const color = (shown as TableDisplay).rows[0]![0]!.color;
        expect({ panel: panel.title, column: override.matcher.options, color }).not.toMatchObject({ color: GREEN });
        expect([YELLOW, TRANSPARENT]).toContain(color ?? "none");
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(12);
  });
});

describe("rules every panel keeps", () => {
  const overridesOf = (panel: (typeof allPanels)[number]) =>
    (panel.json.fieldConfig?.overrides ?? []) as Array<{ matcher: { id: string; options: string }; properties: Array<{ id: string; value: unknown }> }>;

  test("no value mapping has an empty text (it would blank the value and leave only a colour)", () => {
    const blanks: string[] = [];
    const visit = (where: string, mappings: unknown) => {
      for (const mapping of (mappings as Array<{ type: string; options: Json }> | undefined) ?? []) {
        const results = mapping.type === "value" ? Object.values(mapping.options) : [mapping.options.result];
        for (const result of results as Array<{ text?: string }>) if (result?.text === "") blanks.push(where);
      }
    };
    for (const panel of allPanels) {
      visit(`${panel.title} (defaults)`, (panel.json.fieldConfig?.defaults as Json | undefined)?.mappings);
      for (const o of overridesOf(panel)) visit(`${panel.title} / ${o.matcher.options}`, o.properties.find((p) => p.id === "mappings")?.value);
    }
    expect(blanks).toEqual([]);
  });

  test("every coloured column says its colours: thresholds of its own, never Grafana's default (red from 80)", () => {
    const missing: string[] = [];
    for (const panel of allPanels) {
      for (const o of overridesOf(panel)) {
        const coloured = o.properties.some((p) => p.id === "custom.cellOptions" && /^color-/.test(String((p.value as Json).type)));
        if (coloured && !o.properties.some((p) => p.id === "thresholds")) missing.push(`${panel.title} / ${o.matcher.options}`);
      }
      if (panel.type === "stat" && !(panel.json.fieldConfig?.defaults as Json | undefined)?.thresholds) missing.push(panel.title);
    }
    expect(missing).toEqual([]);
  });

  test("no query mentions a variable in a comment (Grafana interpolates comments too)", () => {
    const queries = dashboards.flatMap((d) => [
      ...dashboardVariables(d).map((v) => ({ where: `${d.title} / $${v.name}`, text: typeof v.query === "string" ? v.query : "" })),
      ...dashboardPanels(d).flatMap((p) => p.targets.map((t) => ({ where: `${d.title} / ${p.title} / ${t.refId}`, text: String(t.rawSql ?? "") }))),
    ]);
    expect(queries.filter((q) => q.text).length).toBeGreaterThan(15);
    const offending = queries.flatMap(({ where, text }) => sqlComments(text).filter((c) => /\$\w|\$\{|\[\[/.test(c)).map((c) => `${where}: ${c}`));
    expect(offending).toEqual([]);
  });

  test("the signal trace is linked on the dashboard itself, and every signal id of signals and orders opens its trace", () => {
    for (const dashboard of dashboards) {
      const links = (dashboard.json.links ?? []) as Json[];
      expect(links.length).toBe(1);
      expect(links[0]!.placement).toBeUndefined();
    }
    for (const title of ["Trading signals: last 100", "Orders: last 100", "Event history: last 200"]) {
      const panel = allPanels.find((p) => p.title === title)!;
      const links = overridesOf(panel).find((o) => o.matcher.options === "signal_id")?.properties.find((p) => p.id === "links")?.value as Array<{ url: string }>;
      expect(links.map((l) => l.url)).toEqual(["/d/ytrader-signal-trace/signal-trace?var-signal_id=${__value.raw}&${__url_time_range}"]);
    }
  });
});
