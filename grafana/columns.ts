// The kinds of table column the dashboards show, each with its header, its unit and decimals from what the
// value is, what an empty cell reads, and its colours: a table lists its columns by kind (columns()) instead
// of styling each by hand, so that a price, a PnL or a status reads the same in every table.
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { SpecialValueMatch } from "@grafana/grafana-foundation-sdk/dashboard";
import type { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import {
  COLORS,
  type FlagMeaning,
  type StatusWords,
  colorCells,
  colorText,
  decimalsOf,
  displayNameOf,
  mappingsOf,
  noValueOf,
  specialColor,
  textMappings,
  thresholds,
  thresholdsOf,
  unitOf,
  yesNoMappings,
} from "./look.ts";
import { traceLink } from "./dashboards/identity.ts";

export type Column = dashboard.DynamicConfigValue[];

/** The quote currency of every pair the trading system trades (BTCUSDT, ETHUSDT, ...): PnL and fees are in it. */
export const QUOTE_CURRENCY = "USDT";
/** As many decimals as a price or quantity carries on Bybit (a quantity step of 0.00000001 at the finest). */
const AMOUNT_DECIMALS = 8;

/** An empty cell (null, or no text) stays uncoloured, whatever the column's colours. */
const EMPTY_UNCOLOURED = [specialColor(SpecialValueMatch.Null, COLORS.neutral, 90), specialColor(SpecialValueMatch.Empty, COLORS.neutral, 91)];

/** What every column has: a header for people, and what an empty cell reads ("" unless it means something). */
const named = (header: string, empty: string): Column => [displayNameOf(header), noValueOf(empty)];

/** Words shown as they are. */
export const text = (header: string, empty = ""): Column => named(header, empty);

/** A time, to the second, in the dashboard's zone (never with milliseconds, whatever the column spans). */
export const time = (header: string, empty = ""): Column => [...named(header, empty), unitOf("dateTimeAsIso")];

/** A whole number of things. */
export const count = (header: string, empty = ""): Column => [...named(header, empty), unitOf("none"), decimalsOf(0)];

/** A count coloured by thresholds (`base` below the first step): errors, rejections, reconnections. */
export const countAlert = (header: string, base: string, ...steps: Array<[number, string]>): Column => [
  ...count(header),
  colorCells,
  thresholdsOf(thresholds(base, ...steps)),
  mappingsOf(EMPTY_UNCOLOURED),
];

/** A price or quantity: every digit it has (up to Bybit's 8 decimals), thousands grouped, no padding. */
export const amount = (header: string, empty = ""): Column => [...named(header, empty), unitOf("locale"), decimalsOf(AMOUNT_DECIMALS)];

/** Fees, in the quote currency. */
export const fee = (header: string, empty = ""): Column => [...named(header, empty), unitOf(`suffix:${QUOTE_CURRENCY}`), decimalsOf(4)];

/** Profit or loss in the quote currency, with its sign: red text for a loss, green for a gain. */
export const pnl = (header: string, empty = ""): Column => [
  ...named(header, empty),
  unitOf(`suffix:${QUOTE_CURRENCY}`),
  decimalsOf(2),
  colorText,
  thresholdsOf(thresholds(COLORS.bad, [0, "text"], [0.005, COLORS.ok])),
  mappingsOf(EMPTY_UNCOLOURED),
];

/** A share of 0..1 as a percentage. */
export const percent = (header: string, empty = ""): Column => [...named(header, empty), unitOf("percentunit"), decimalsOf(1)];

/** A share of 0..1 as a percentage, red under `redBelow`, green from it. */
export const percentAlert = (header: string, redBelow: number, empty = ""): Column => [
  ...percent(header, empty),
  colorCells,
  thresholdsOf(thresholds(COLORS.bad, [redBelow, COLORS.ok])),
  mappingsOf(EMPTY_UNCOLOURED),
];

/** Messages a second (RabbitMQ's rates). */
export const rate = (header: string): Column => [...named(header, ""), unitOf("count:msg/s"), decimalsOf(2)];

/** Hours, to a tenth. */
export const hours = (header: string, empty = ""): Column => [...named(header, empty), unitOf("h"), decimalsOf(1)];

/** A duration given in seconds, in words (1 hour, 2 minutes). */
export const duration = (header: string, empty = ""): Column => [...named(header, empty), unitOf("dtdurations"), decimalsOf(2)];

/** A status word: each known word its colour (and text), any other word `other` (a warning unless said). */
export const status = (header: string, words: StatusWords, other: string = COLORS.warn, empty = ""): Column => [
  ...named(header, empty),
  colorCells,
  mappingsOf([...textMappings(words), ...EMPTY_UNCOLOURED]),
  thresholdsOf(thresholds(other)),
];

/** Free text that is an error when there is any (red), nothing when empty. */
export const errorText = (header: string): Column => [...named(header, ""), colorCells, mappingsOf(EMPTY_UNCOLOURED), thresholdsOf(thresholds(COLORS.bad))];

/** A yes/no flag ("yes" / "no" everywhere), coloured by what yes means. */
export const flag = (header: string, meaning: FlagMeaning, empty = ""): Column => [
  ...named(header, empty),
  colorCells,
  mappingsOf([...yesNoMappings(meaning), ...EMPTY_UNCOLOURED]),
  thresholdsOf(thresholds(COLORS.neutral)),
];

/** A signal id, linked to its trace. */
export const signalId = (header: string, empty = ""): Column => [...named(header, empty), { id: "links", value: [traceLink] }];

/** The table's columns by field name, each of its kind. Every other cell of a real row reads empty: the
 *  panel's noValue is for a table without rows, never for a cell. */
export function columns(panel: TablePanel, specs: Record<string, Column>): TablePanel {
  panel.overrideByRegexp(".*", [noValueOf("")]);
  for (const [name, spec] of Object.entries(specs)) panel.overrideByName(name, spec);
  return panel;
}

/** A position as position-manager holds it (the main dashboard's positions, the trace's position now). */
export const POSITION_COLUMNS: Record<string, Column> = {
  asset: text("Asset"),
  mode: text("Mode"),
  size: amount("Size"),
  average_entry_price: amount("Entry price"),
  current_price: amount("Current price"),
  unrealized_pnl: pnl("Unrealized PnL"),
  realized_pnl: pnl("Realized PnL"),
  last_updated: time("Updated"),
};
