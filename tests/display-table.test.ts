// Table panels built the way grafana/dashboards/main.ts builds them (foundation SDK builders and the
// shared look of grafana/look.ts), rendered by the display module with Grafana's own @grafana/data:
// the text and colour a person sees in each cell, the headers, and the panel's message when no row shows.
// Colours are the hex values of Grafana's dark theme for the named colours (red #F2495C, green #73BF69,
// yellow #FADE2A).
import { describe, expect, test } from "bun:test";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { COLORS, ORDER_STATUS, SERVICE_STATUS, colorCells, mappingsOf, noValueOf, rangeMapping, textMappings, unitOf, yesNoMappings } from "../grafana/look.ts";

const BOOLEAN_BAD_WHEN_TRUE = yesNoMappings("bad");
const ORDER_STATUS_MAPPINGS = textMappings(ORDER_STATUS);
const SERVICE_STATUS_MAPPINGS = textMappings(SERVICE_STATUS);
import { type InputFrame, applyTransformations } from "../scripts/lib/display/frames.ts";
import { type PanelJson, type TableDisplay, displayPanel } from "../scripts/lib/display/panel.ts";

const RED = "#F2495C";
const GREEN = "#73BF69";

const json = (builder: TablePanel) => builder.build() as unknown as PanelJson;
const num = (name: string, values: unknown[]) => ({ name, type: "number", values });
const str = (name: string, values: unknown[]) => ({ name, type: "string", values });

async function table(builder: TablePanel, frames: InputFrame[]): Promise<TableDisplay> {
  const display = await displayPanel(json(builder), frames);
  if (display.kind !== "table") throw new Error(`expected a table, got ${display.kind}`);
  return display;
}

/** The cell of `column` (its header) in row `row`. */
function cell(display: TableDisplay, row: number, column: string) {
  const index = display.columns.findIndex((c) => c.header === column);
  if (index < 0) throw new Error(`no column ${column} in ${display.columns.map((c) => c.header).join(", ")}`);
  return display.rows[row]![index]!;
}

/** A colour without text: the shape of look.ts's range mappings today, or with the text left out. */
const colourOnly = (from: number | null, to: number | null, color: string): dashboard.ValueMapping =>
  ({ type: "range", options: { from, to, result: { color, index: 0 } } }) as dashboard.ValueMapping;

describe("value mappings in coloured cells", () => {
  const rejectedOrders = (mapping: dashboard.ValueMapping) =>
    new TablePanel().title("Rejected orders in the range").overrideByName("orders", [colorCells, mappingsOf([mapping])]).noValue("no rejected orders in this range");
  const frames = [{ name: "", fields: [str("reason", ["insufficient balance"]), num("orders", [3])] }];

  test("a range mapping with empty text (the rejected count before issue 21) blanks the number on red", async () => {
    const shown = await table(rejectedOrders(rangeMapping(1, null, "", COLORS.bad, 0)), frames);
    expect(cell(shown, 0, "orders")).toEqual({ text: "", color: RED, raw: 3 });
  });

  test("a colour-only mapping keeps the number and colours it", async () => {
    const shown = await table(rejectedOrders(colourOnly(1, null, COLORS.bad)), frames);
    expect(cell(shown, 0, "orders")).toEqual({ text: "3", color: RED, raw: 3 });
    expect(shown.columns.find((c) => c.header === "orders")).toMatchObject({ cellType: "color-background", colorMode: "background" });
  });

  test("a mapping colours nothing in a cell of the default (auto) type", async () => {
    const shown = await table(new TablePanel().overrideByName("orders", [mappingsOf([colourOnly(1, null, COLORS.bad)])]), frames);
    expect(cell(shown, 0, "orders")).toEqual({ text: "3", raw: 3 });
    expect(shown.columns[1]).toMatchObject({ cellType: "auto", colorMode: "none" });
  });

  test("color-text colours the text, and a gradient is the background's default mode", async () => {
    const shown = await table(
      new TablePanel()
        .overrideByName("reason", [{ id: "custom.cellOptions", value: { type: "color-text" } }, mappingsOf([{ type: "value", options: { x: { color: "red" } } } as dashboard.ValueMapping])])
        .overrideByName("orders", [{ id: "custom.cellOptions", value: { type: "color-background" } }]),
      [{ fields: [str("reason", ["x"]), num("orders", [1])] }],
    );
    expect(shown.columns.map((c) => c.colorMode)).toEqual(["text", "background-gradient"]);
    expect(cell(shown, 0, "reason").color).toBe(RED);
  });

  test("order status words map to their text and colour; a word without a mapping falls to the default green", async () => {
    const shown = await table(new TablePanel().overrideByName("status", [colorCells, mappingsOf(ORDER_STATUS_MAPPINGS)]), [
      { fields: [str("status", ["partially_filled", "rejected", "expired"])] },
    ]);
    expect(shown.rows.map((r) => [r[0]!.text, r[0]!.color])).toEqual([
      ["partially filled", "#FADE2A"],
      ["rejected", RED],
      ["expired", GREEN],
    ]);
  });
});

describe("numbers, units and decimals", () => {
  test("a negative PnL in a currency unit reads with its sign and unit", async () => {
    const shown = await table(
      new TablePanel().overrideByName("unrealized_pnl", [unitOf("currencyUSD"), colorCells, mappingsOf([colourOnly(null, -0.00000001, COLORS.bad)])]),
      [{ fields: [str("symbol", ["BTCUSDT", "ETHUSDT"]), num("unrealized_pnl", [-12.5, 3.25])] }],
    );
    expect(cell(shown, 0, "unrealized_pnl")).toEqual({ text: "-$12.5", color: RED, raw: -12.5 });
    expect(cell(shown, 1, "unrealized_pnl").text).toBe("$3.25");
  });

  test("Grafana's default thresholds colour a number column that sets none: red from 80", async () => {
    const shown = await table(new TablePanel().overrideByName("realized_pnl", [colorCells]), [{ fields: [num("realized_pnl", [109, 24.8])] }]);
    expect(shown.rows.map((r) => r[0]!.color)).toEqual([RED, GREEN]);
  });

  test("automatic decimals round neighbouring prices alike; decimals set per column show them", async () => {
    const prices = [{ fields: [num("price", [2.29812, 2.29714, 3668.306885])] }];
    const automatic = await table(new TablePanel(), prices);
    expect(automatic.rows.map((r) => r[0]!.text)).toEqual(["2.30", "2.30", "3668"]);
    const fixed = await table(new TablePanel().overrideByName("price", [{ id: "decimals", value: 5 }]), prices);
    expect(fixed.rows.map((r) => r[0]!.text)).toEqual(["2.29812", "2.29714", "3668.30689"]);
  });

  test("time columns read in the dashboard's zone (UTC); booleans as true/false unless mapped", async () => {
    const shown = await table(new TablePanel().overrideByName("lagging", [colorCells, mappingsOf(BOOLEAN_BAD_WHEN_TRUE)]), [
      { fields: [{ name: "at", type: "time", values: [Date.UTC(2026, 2, 10, 12, 34, 56)] }, { name: "flag", type: "boolean", values: [true] }, { name: "lagging", type: "boolean", values: [true] }] },
    ]);
    expect(shown.rows[0]!.map((c) => c.text)).toEqual(["2026-03-10 12:34:56", "true", "yes"]);
    expect(cell(shown, 0, "lagging").color).toBe(RED);
  });
});

describe("no value", () => {
  const orders = () => new TablePanel().title("Orders").noValue("no orders in this range");

  test("a null cell of a real row reads the panel's noValue", async () => {
    const shown = await table(orders(), [{ fields: [str("status", ["pending"]), num("execution_price", [null])] }]);
    expect(cell(shown, 0, "execution_price").text).toBe("no orders in this range");
  });

  test("a column's own noValue replaces the panel's for its cells; an empty one leaves them empty", async () => {
    const shown = await table(orders().overrideByName("execution_price", [noValueOf("")]), [{ fields: [num("execution_price", [null])] }]);
    expect(cell(shown, 0, "execution_price").text).toBe("");
    const dash = await table(orders().overrideByName("execution_price", [noValueOf("-")]), [{ fields: [num("execution_price", [null])] }]);
    expect(cell(dash, 0, "execution_price").text).toBe("-");
  });

  test("no frame, or frames without fields, show the noValue as the panel's message", async () => {
    for (const frames of [[], [{ fields: [] }]] as InputFrame[][]) {
      const shown = await table(orders(), frames);
      expect(shown).toMatchObject({ rows: [], columns: [], message: "no orders in this range" });
    }
    const bare = await table(new TablePanel(), []);
    expect(bare.message).toBe("No data");
  });

  test("a frame with columns and no rows shows its headers and the noValue", async () => {
    const shown = await table(orders(), [{ fields: [str("status", []), num("price", [])] }]);
    expect(shown.columns.map((c) => c.header)).toEqual(["status", "price"]);
    expect(shown).toMatchObject({ rows: [], totalRows: 0, message: "no orders in this range" });
  });
});

describe("transformations", () => {
  const health = (service: string, status: string, extra: Record<string, unknown[]> = {}): InputFrame => ({
    fields: [str("service", [service]), str("status", [status]), num("score", [status === "healthy" ? 1 : 100]), ...Object.entries(extra).map(([k, v]) => str(k, v))],
  });

  test("organize drops, orders and renames through displayName; the field keeps its name", async () => {
    const panel = new TablePanel().withTransformation({
      id: "organize",
      options: { excludeByName: { score: true }, indexByName: { status: 0, service: 1 }, renameByName: { service: "Service" } },
    });
    const shown = await table(panel, [health("ws-gateway", "healthy")]);
    expect(shown.columns.map((c) => [c.field, c.header])).toEqual([
      ["status", "status"],
      ["service", "Service"],
    ]);
    const [frame] = await applyTransformations(json(panel).transformations!, [health("ws-gateway", "healthy")]);
    expect(frame!.fields.map((f) => [f.name, f.displayName])).toEqual([
      ["status", undefined],
      ["service", "Service"],
    ]);
  });

  test("an override by the field's own name still applies after organize renames it", async () => {
    const panel = new TablePanel()
      .withTransformation({ id: "organize", options: { renameByName: { status: "Status" } } })
      .overrideByName("status", [colorCells, mappingsOf(SERVICE_STATUS_MAPPINGS)]);
    const shown = await table(panel, [health("position-manager", "unhealthy")]);
    expect(cell(shown, 0, "Status")).toEqual({ text: "unhealthy", color: RED, raw: "unhealthy" });
  });

  test("merge appends every frame's rows; a column one frame lacks reads the panel's noValue there", async () => {
    const panel = new TablePanel()
      .withTransformation({ id: "merge", options: {} })
      .overrideByName("status", [colorCells, mappingsOf(SERVICE_STATUS_MAPPINGS)])
      .noValue("no service answered");
    const shown = await table(panel, [health("ws-gateway", "healthy", { websocket: ["connected"] }), health("position-manager", "degraded"), health("model-service", "healthy", { storage: ["healthy"] })]);
    expect(shown.totalRows).toBe(3);
    expect(shown.frameCount).toBe(1);
    expect(shown.rows.map((r) => r.map((c) => c.text))).toEqual([
      ["ws-gateway", "healthy", "1", "connected", "no service answered"],
      ["position-manager", "degraded", "100", "no service answered", "no service answered"],
      ["model-service", "healthy", "1", "no service answered", "healthy"],
    ]);
    expect(cell(shown, 1, "status").color).toBe("#FF9830");
  });

  test("without merge a table shows the first frame, and knows there are others", async () => {
    const shown = await table(new TablePanel(), [health("a", "healthy"), health("b", "healthy")]);
    expect(shown.frameCount).toBe(2);
    expect(shown.rows.map((r) => r[0]!.text)).toEqual(["a"]);
  });

  test("sortBy and limit run as Grafana runs them", async () => {
    const panel = new TablePanel()
      .withTransformation({ id: "sortBy", options: { sort: [{ field: "lag", desc: true }] } })
      .withTransformation({ id: "limit", options: { limitField: 2 } });
    const shown = await table(panel, [{ fields: [str("queue", ["a", "b", "c"]), num("lag", [5, 500, 50])] }]);
    expect(shown.rows.map((r) => r[0]!.text)).toEqual(["b", "c"]);
    expect(shown.totalRows).toBe(2);
  });

  test("a transformation only Grafana's app has is refused by name", async () => {
    const panel = new TablePanel().withTransformation({ id: "extractFields", options: {} });
    await expect(table(panel, [health("a", "healthy")])).rejects.toThrow(/"extractFields" is not in @grafana\/data/);
  });
});
