// The shared look of every dashboard: what each colour means, the status words and their colours, and the
// field config pieces panels are made of. Defined once, so that "healthy" is green and "degraded" is not,
// wherever it shows. Column kinds (units, decimals, empty cells, headers) are in columns.ts.
//
// How Grafana colours (read from @grafana/data's display processor, which check's display step runs): a
// value mapping that matches gives its colour, and its text if it has one (a mapping with an empty text
// blanks the value, so none has one); otherwise a number takes the colour of its thresholds step; and
// anything else, an unmapped word or an empty cell, takes the colour of the base step. Table cells show
// colours only in a colour cell type (colorCells); stats colour their background.
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { MappingType, SpecialValueMatch, ThresholdsMode } from "@grafana/grafana-foundation-sdk/dashboard";

/** What each colour says, everywhere. Unreachable ranks with unhealthy as the worst: a part nobody can see
 *  may be down. "transparent" is no colour at all (a cell that looks uncoloured). */
export const COLORS = {
  ok: "green",
  warn: "yellow",
  degraded: "orange",
  bad: "red",
  info: "blue",
  special: "purple",
  neutral: "transparent",
} as const;

/** The words a status column knows, each with its colour and, where the word is not for people, its text. */
export type StatusWords = Record<string, { color: string; text?: string }>;

/** Exact text -> display text and colour. */
export function textMappings(entries: StatusWords): dashboard.ValueMapping[] {
  const options: Record<string, dashboard.ValueMappingResult> = {};
  Object.entries(entries).forEach(([value, result], index) => {
    options[value] = { ...result, index };
  });
  return [{ type: MappingType.ValueToText, options }];
}

/** A colour for a special value (null, an empty string, true, false), the text left as it is. */
export function specialColor(match: SpecialValueMatch, color: string, index: number): dashboard.ValueMapping {
  return { type: MappingType.SpecialValue, options: { match, result: { color, index } } };
}

/** Numbers in [from, to] mapped to a word and its colour (the overall health's sum). */
export function rangeMapping(from: number | null, to: number | null, text: string, color: string, index: number): dashboard.ValueMapping {
  return { type: MappingType.RangeToText, options: { from, to, result: { text, color, index } } };
}

/** Thresholds: the base colour (below every step; unmapped words and empty cells too), then [from, colour]. */
export function thresholds(base: string, ...steps: Array<[number, string]>): dashboard.ThresholdsConfig {
  return { mode: ThresholdsMode.Absolute, steps: [{ value: null, color: base }, ...steps.map(([value, color]) => ({ value, color }))] };
}

/** A service's own status word: only "healthy" is green; degraded orange; unhealthy red. */
export const SERVICE_STATUS: StatusWords = {
  healthy: { color: COLORS.ok },
  degraded: { color: COLORS.degraded },
  unhealthy: { color: COLORS.bad },
};

/** The exchange link: connected green, on its way yellow, down red. */
export const WEBSOCKET_STATUS: StatusWords = {
  connected: { color: COLORS.ok },
  connecting: { color: COLORS.warn },
  reconnecting: { color: COLORS.warn },
  disconnected: { color: COLORS.bad },
};

/** A connection flag as the health queries word it. */
export const CONNECTION_STATUS: StatusWords = { connected: { color: COLORS.ok }, disconnected: { color: COLORS.bad } };

/** How an order stands (orders.status). */
export const ORDER_STATUS: StatusWords = {
  filled: { color: COLORS.ok },
  partially_filled: { color: COLORS.warn, text: "partially filled" },
  pending: { color: COLORS.info },
  cancelled: { color: COLORS.degraded },
  rejected: { color: COLORS.bad },
  dry_run: { color: COLORS.special, text: "dry run" },
};

/** An order's or signal's side. */
export const SIDE: StatusWords = { buy: { color: COLORS.ok }, sell: { color: COLORS.bad } };

/** The event history's event types by what happened: rejected red, cancelled orange, filled or activated
 *  green, created or trained blue; any other event (signals, what later versions add) uncoloured. */
export function eventTypeColors(types: readonly string[]): StatusWords {
  // The monitor's state changes take the colour of the state they enter (a service unreachable or
  // unhealthy is as bad as a rejection; a link on its way back is a warning).
  const byState: Record<string, string> = {
    healthy: COLORS.ok,
    connected: COLORS.ok,
    degraded: COLORS.degraded,
    connecting: COLORS.warn,
    reconnecting: COLORS.warn,
    unhealthy: COLORS.bad,
    unreachable: COLORS.bad,
    disconnected: COLORS.bad,
    started: COLORS.info,
    completed: COLORS.ok,
  };
  const color = (type: string) => {
    const state = type.slice(type.lastIndexOf("_") + 1);
    if (/^(service|websocket|model_training)_/.test(type) && byState[state]) return byState[state]!;
    // A rejected signal is routine (one on most inferences), not an error: no colour.
    if (type === "signal_rejected") return COLORS.neutral;
    return type.endsWith("_rejected")
      ? COLORS.bad
      : type.endsWith("_cancelled")
        ? COLORS.degraded
        : type.endsWith("_filled") || type.endsWith("_activated")
          ? COLORS.ok
          : type.endsWith("_created") || type.endsWith("_trained")
            ? COLORS.info
            : COLORS.neutral;
  };
  return Object.fromEntries(types.map((type) => [type, { color: color(type) }]));
}

/** What a yes/no flag means when it is yes: trouble, good news, a warning, or just a fact. */
export type FlagMeaning = "bad" | "good" | "warn" | "info";

/** A boolean as "yes" / "no", everywhere, coloured by what yes means. */
export function yesNoMappings(meaning: FlagMeaning): dashboard.ValueMapping[] {
  const yes = { bad: COLORS.bad, good: COLORS.ok, warn: COLORS.warn, info: COLORS.info }[meaning];
  const no = { bad: COLORS.ok, good: COLORS.bad, warn: COLORS.neutral, info: COLORS.neutral }[meaning];
  return [
    { type: MappingType.SpecialValue, options: { match: SpecialValueMatch.True, result: { text: "yes", color: yes, index: 0 } } },
    { type: MappingType.SpecialValue, options: { match: SpecialValueMatch.False, result: { text: "no", color: no, index: 1 } } },
  ];
}

/** Colour a table column's cells (their background, one flat colour). */
export const colorCells: dashboard.DynamicConfigValue = { id: "custom.cellOptions", value: { type: "color-background", mode: "basic" } };
/** Colour a table column's text. */
export const colorText: dashboard.DynamicConfigValue = { id: "custom.cellOptions", value: { type: "color-text" } };
export const mappingsOf = (mappings: dashboard.ValueMapping[]): dashboard.DynamicConfigValue => ({ id: "mappings", value: mappings });
export const thresholdsOf = (config: dashboard.ThresholdsConfig): dashboard.DynamicConfigValue => ({ id: "thresholds", value: config });
export const noValueOf = (text: string): dashboard.DynamicConfigValue => ({ id: "noValue", value: text });
export const unitOf = (unit: string): dashboard.DynamicConfigValue => ({ id: "unit", value: unit });
export const decimalsOf = (decimals: number): dashboard.DynamicConfigValue => ({ id: "decimals", value: decimals });
export const displayNameOf = (header: string): dashboard.DynamicConfigValue => ({ id: "displayName", value: header });
/** One series' colour, whatever the palette. */
export const colorOf = (color: string): dashboard.DynamicConfigValue => ({ id: "color", value: { mode: "fixed", fixedColor: color } });

/** Dashboards show UTC: every time column of the trading system holds UTC without a zone. */
export const TIMEZONE = "utc";

/** The Mixed pseudo-datasource, for panels whose queries go to several datasources. */
export const MIXED_DATASOURCE = { type: "datasource", uid: "-- Mixed --" } as const;
