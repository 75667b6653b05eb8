// The shared look of every dashboard: status colours, value mappings, thresholds and panel placement.
// Defined once, so that "healthy" is green and "degraded" is not, wherever it shows.
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { MappingType, SpecialValueMatch, ThresholdsConfigBuilder, ThresholdsMode } from "@grafana/grafana-foundation-sdk/dashboard";

export const COLORS = { ok: "green", warn: "yellow", bad: "red", unknown: "orange", neutral: "text" } as const;

/** Exact text -> display text and colour. */
export function textMappings(entries: Record<string, { color: string; text?: string }>): dashboard.ValueMapping[] {
  const options: Record<string, dashboard.ValueMappingResult> = {};
  Object.entries(entries).forEach(([value, result], index) => {
    options[value] = { ...result, index };
  });
  return [{ type: MappingType.ValueToText, options }];
}

/** A service's own status word: only "healthy" is green (position-manager's "degraded" is not healthy). */
export const SERVICE_STATUS_MAPPINGS = textMappings({
  healthy: { color: COLORS.ok },
  degraded: { color: COLORS.bad },
  unhealthy: { color: COLORS.bad },
});

/** The exchange link: connected green, on its way yellow, down red. */
export const WEBSOCKET_STATUS_MAPPINGS = textMappings({
  connected: { color: COLORS.ok },
  connecting: { color: COLORS.warn },
  reconnecting: { color: COLORS.warn },
  disconnected: { color: COLORS.bad },
});

/** How an order closed (orders.status). */
export const ORDER_STATUS_MAPPINGS = textMappings({
  filled: { color: COLORS.ok },
  partially_filled: { color: COLORS.warn, text: "partially filled" },
  pending: { color: "blue" },
  cancelled: { color: COLORS.unknown },
  rejected: { color: COLORS.bad },
  dry_run: { color: "purple", text: "dry run" },
});

export const BOOLEAN_BAD_WHEN_TRUE: dashboard.ValueMapping[] = [
  { type: MappingType.SpecialValue, options: { match: SpecialValueMatch.True, result: { text: "yes", color: COLORS.bad, index: 0 } } },
  { type: MappingType.SpecialValue, options: { match: SpecialValueMatch.False, result: { text: "no", color: COLORS.ok, index: 1 } } },
];

export const BOOLEAN_GOOD_WHEN_TRUE: dashboard.ValueMapping[] = [
  { type: MappingType.SpecialValue, options: { match: SpecialValueMatch.True, result: { text: "yes", color: COLORS.ok, index: 0 } } },
  { type: MappingType.SpecialValue, options: { match: SpecialValueMatch.False, result: { text: "no", color: COLORS.bad, index: 1 } } },
];

export const BOOLEAN_WARN_WHEN_TRUE: dashboard.ValueMapping[] = [
  { type: MappingType.SpecialValue, options: { match: SpecialValueMatch.True, result: { text: "yes", color: COLORS.warn, index: 0 } } },
  { type: MappingType.SpecialValue, options: { match: SpecialValueMatch.False, result: { text: "no", color: COLORS.ok, index: 1 } } },
];

/** Numbers mapped by range to text and colour (the overall health score). */
export function rangeMapping(from: number | null, to: number | null, text: string, color: string, index: number): dashboard.ValueMapping {
  return { type: MappingType.RangeToText, options: { from, to, result: { text, color, index } } };
}

/** Colours come from the mappings alone: every threshold step is the neutral text colour. */
export const NEUTRAL_THRESHOLDS = new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([{ value: null, color: COLORS.neutral }]);

/** Colour a table column's cells by its mappings. */
export const colorCells: dashboard.DynamicConfigValue = { id: "custom.cellOptions", value: { type: "color-background", mode: "basic" } };
export const mappingsOf = (mappings: dashboard.ValueMapping[]): dashboard.DynamicConfigValue => ({ id: "mappings", value: mappings });
export const noValueOf = (text: string): dashboard.DynamicConfigValue => ({ id: "noValue", value: text });
export const unitOf = (unit: string): dashboard.DynamicConfigValue => ({ id: "unit", value: unit });
/** One series' colour, whatever the palette. */
export const colorOf = (color: string): dashboard.DynamicConfigValue => ({ id: "color", value: { mode: "fixed", fixedColor: color } });

/** Dashboards show UTC: every time column of the trading system holds UTC without a zone. */
export const TIMEZONE = "utc";

/** The Mixed pseudo-datasource, for panels whose queries go to several datasources. */
export const MIXED_DATASOURCE = { type: "datasource", uid: "-- Mixed --" } as const;
