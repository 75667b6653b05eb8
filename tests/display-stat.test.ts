// Stat panels built the way grafana/dashboards/main.ts builds them (statusStat, overallHealth), rendered by
// the display module with Grafana's own @grafana/data: the reduced value a person reads and its colour.
import { describe, expect, test } from "bun:test";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { BigValueColorMode, BigValueGraphMode, BigValueTextMode, ReduceDataOptionsBuilder } from "@grafana/grafana-foundation-sdk/common";
import { ThresholdsConfigBuilder, ThresholdsMode } from "@grafana/grafana-foundation-sdk/dashboard";
import { COLORS, SERVICE_STATUS, rangeMapping, textMappings } from "../grafana/look.ts";

const SERVICE_STATUS_MAPPINGS = textMappings(SERVICE_STATUS);
/** Every step the panel's text colour: a word without a mapping stays uncoloured. */
const NEUTRAL_THRESHOLDS = new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([{ value: null, color: "text" }]);
import type { InputFrame } from "../scripts/lib/display/frames.ts";
import { type PanelJson, type StatDisplay, displayPanel } from "../scripts/lib/display/panel.ts";

const RED = "#F2495C";
const GREEN = "#73BF69";
const ORANGE = "#FF9830";
/** The dark theme's primary text colour, which NEUTRAL_THRESHOLDS' "text" step names */
const TEXT = "#ccccdc";

/** main.ts's statusStat: one string field reduced by lastNotNull, coloured by mappings, "unknown" when empty. */
const statusStat = (field: string, calc = "lastNotNull") =>
  new StatPanel()
    .reduceOptions(new ReduceDataOptionsBuilder().values(false).calcs([calc]).fields(`/^${field}$/`))
    .colorMode(BigValueColorMode.Background)
    .graphMode(BigValueGraphMode.None)
    .textMode(BigValueTextMode.Value)
    .thresholds(NEUTRAL_THRESHOLDS)
    .noValue("unknown");

async function stat(builder: StatPanel, frames: InputFrame[]): Promise<StatDisplay> {
  const display = await displayPanel(builder.build() as unknown as PanelJson, frames);
  if (display.kind !== "stat") throw new Error(`expected a stat, got ${display.kind}`);
  return display;
}

const statusFrame = (...statuses: Array<string | null>): InputFrame => ({ fields: [{ name: "status", type: "string", values: statuses }] });

describe("a service's status (lastNotNull with value mappings)", () => {
  const service = () => statusStat("status").mappings(SERVICE_STATUS_MAPPINGS);

  test("the last non-null word, mapped to its colour", async () => {
    const shown = await stat(service(), [statusFrame("healthy", "degraded", null)]);
    expect(shown.values).toHaveLength(1);
    expect(shown.values[0]).toMatchObject({ shown: "degraded", color: ORANGE, colorMode: "background-gradient" });
    const healthy = await stat(service(), [statusFrame("degraded", "healthy")]);
    expect(healthy.values[0]).toMatchObject({ shown: "healthy", color: GREEN });
  });

  test("a word without a mapping reads as itself in the neutral colour", async () => {
    const shown = await stat(service(), [statusFrame("starting")]);
    expect(shown.values[0]).toMatchObject({ shown: "starting", color: TEXT });
  });

  test("no row at all reads the noValue", async () => {
    for (const frames of [[], [statusFrame()]]) {
      const shown = await stat(service(), frames);
      expect(shown.values.map((v) => v.shown)).toEqual(["unknown"]);
    }
  });

  test("the field is chosen by the regular expression on its name", async () => {
    const frames = [{ fields: [{ name: "service", type: "string", values: ["ws-gateway"] }, { name: "status", type: "string", values: ["unhealthy"] }] }];
    const shown = await stat(service(), frames);
    expect(shown.values.map((v) => v.shown)).toEqual(["unhealthy"]);
  });
});

describe("overall health (merged scores summed, range mappings)", () => {
  const overall = (parts: number) =>
    statusStat("score", "sum")
      .mappings([
        rangeMapping(parts, parts, "healthy", COLORS.ok, 0),
        rangeMapping(0, parts - 1, "unknown", COLORS.degraded, 1),
        rangeMapping(100, null, "unhealthy", COLORS.bad, 2),
      ])
      .withTransformation({ id: "merge", options: {} });
  // Each health query answers one row naming its service (grafana/health.ts)
  const score = (...values: number[]): InputFrame[] =>
    values.map((v, i) => ({
      refId: String.fromCharCode(65 + i),
      fields: [{ name: "service", type: "string", values: [`part ${i}`] }, { name: "score", type: "number", values: [v] }],
    }));

  test("every part healthy sums to healthy; a missing part to unknown; a bad part to unhealthy", async () => {
    expect((await stat(overall(3), score(1, 1, 1))).values[0]).toMatchObject({ shown: "healthy", color: GREEN });
    expect((await stat(overall(3), score(1, 1))).values[0]).toMatchObject({ shown: "unknown", color: ORANGE });
    expect((await stat(overall(3), score(1, 100, 1))).values[0]).toMatchObject({ shown: "unhealthy", color: RED });
  });

  test("a sum between the ranges matches no mapping and shows the number", async () => {
    expect((await stat(overall(3), score(1, 1, 50))).values[0]).toMatchObject({ shown: "52", numeric: 52, color: TEXT });
  });

  test("merge folds rows that are equal in every field into one: frames of a bare score would undercount", async () => {
    const bare = [1, 1, 1].map((v) => ({ fields: [{ name: "score", type: "number", values: [v] }] }));
    expect((await stat(overall(3), bare)).values[0]).toMatchObject({ shown: "unknown", numeric: 1 });
  });
});

describe("units as Grafana composes them", () => {
  test("percentunit, a currency and seconds: prefix, text and suffix", async () => {
    const value = (unit: string, v: number) =>
      stat(statusStat("v").unit(unit), [{ fields: [{ name: "v", type: "number", values: [v] }] }]).then((s) => s.values[0]!);
    expect(await value("percentunit", 0.4567)).toMatchObject({ shown: "45.7%", text: "45.7", suffix: "%" });
    expect(await value("currencyUSD", -12.5)).toMatchObject({ shown: "-$12.5", prefix: "-$", text: "12.5" });
    expect(await value("s", 3700)).toMatchObject({ shown: "1.03 hours", suffix: " hours" });
  });

  test("colorMode value colours the text, none colours nothing", async () => {
    const frames = [statusFrame("degraded")];
    const value = await stat(statusStat("status").mappings(SERVICE_STATUS_MAPPINGS).colorMode(BigValueColorMode.Value), frames);
    expect(value.values[0]).toMatchObject({ colorMode: "text", color: ORANGE });
    const none = await stat(statusStat("status").mappings(SERVICE_STATUS_MAPPINGS).colorMode(BigValueColorMode.None), frames);
    expect(none.values[0]!.color).toBeUndefined();
  });
});
