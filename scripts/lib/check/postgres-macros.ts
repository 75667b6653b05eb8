// Server-side macro expansion of Grafana's PostgreSQL datasource (grafana-facts §6.2; sqleng.Interpolate
// then macros.go evaluateMacro), non-TimescaleDB. From and to are UTC.
import { formatFloatV, formatGrafanaInterval, formatRfc3339Nano, parseGrafanaInterval } from "./go-format.ts";
import type { TimeRange } from "./time-range.ts";

/** A macro Grafana would refuse: the message is Grafana's `results.X.error` text (`interpolation failed: ...`). */
export class MacroError extends Error {
  constructor(readonly reason: string) {
    super(`interpolation failed: ${reason}`);
    this.name = "MacroError";
  }
}

export interface MacroOptions {
  range: TimeRange;
  /** The query's intervalMs (/api/ds/query default 1000). */
  intervalMs: number;
  /** For calendar intervals (`'1M'`) in $__timeGroup, as gtime measures them from now. */
  now?: Date;
}

const MACRO = /\$([_a-zA-Z0-9]+)\(([^)]*)\)/g;

export function expandPostgresMacros(rawSql: string, options: MacroOptions): string {
  const sql = globalSubstitutions(rawSql, options);
  let firstError: string | undefined;
  const expanded = sql.replace(MACRO, (match: string, name: string, argText: string) => {
    // pre-5.3 dashboards: `$__timeGroup(...)` directly followed by "," means the alias form. Grafana
    // looks at the first occurrence of the same text.
    let macro = name;
    if (macro === "__timeGroup") {
      const first = sql.indexOf(match);
      if (first >= 0 && sql[first + match.length] === ",") macro = "__timeGroupAlias";
    }
    // Go's strings.Split("", ",") is [""]: one empty argument, never zero
    const args = argText.split(",").map((a) => a.replace(/^ +| +$/g, ""));
    try {
      return evaluateMacro(macro, args, options);
    } catch (error) {
      if (!(error instanceof MacroReason)) throw error;
      firstError ??= error.message;
      return "macro_error()";
    }
  });
  if (firstError !== undefined) throw new MacroError(firstError);
  return expanded;
}

// sqleng.Interpolate: plain string replacements before any macro
function globalSubstitutions(sql: string, { range, intervalMs }: MacroOptions): string {
  const fromSeconds = Math.floor(range.from.getTime() / 1000);
  const toSeconds = Math.floor(range.to.getTime() / 1000);
  return sql
    .replaceAll("$__interval_ms", String(Math.trunc(intervalMs)))
    .replaceAll("$__interval", formatGrafanaInterval(intervalMs))
    .replaceAll("$__unixEpochFrom()", String(fromSeconds))
    .replaceAll("$__unixEpochTo()", String(toSeconds));
}

class MacroReason extends Error {}

function evaluateMacro(name: string, args: string[], options: MacroOptions): string {
  const { range } = options;
  const from = formatRfc3339Nano(range.from);
  const to = formatRfc3339Nano(range.to);
  const column = () => {
    // Grafana's own check (len(args) == 0) can never fire because of the split above; an empty column
    // would only fail later in PostgreSQL, so the engine reports the missing argument here instead.
    if (args.length === 0 || args[0] === "") throw new MacroReason(`missing time column argument for macro ${name}`);
    return args[0]!;
  };
  switch (name) {
    case "__time":
      return `${column()} AS "time"`;
    case "__timeEpoch":
      return `extract(epoch from ${column()}) as "time"`;
    case "__timeFilter":
      return `${column()} BETWEEN '${from}' AND '${to}'`;
    case "__timeFrom":
      return `'${from}'`;
    case "__timeTo":
      return `'${to}'`;
    case "__timeGroup": {
      const seconds = groupSeconds(name, args, options);
      return `floor(extract(epoch from ${args[0]})/${formatFloatV(seconds)})*${formatFloatV(seconds)}`;
    }
    case "__timeGroupAlias":
      return `${evaluateMacro("__timeGroup", args, options)} AS "time"`;
    case "__unixEpochFilter":
      return `${column()} >= ${epochSeconds(range.from)} AND ${column()} <= ${epochSeconds(range.to)}`;
    case "__unixEpochNanoFilter":
      return `${column()} >= ${epochNanos(range.from)} AND ${column()} <= ${epochNanos(range.to)}`;
    case "__unixEpochNanoFrom":
      return epochNanos(range.from);
    case "__unixEpochNanoTo":
      return epochNanos(range.to);
    case "__unixEpochGroup": {
      const seconds = groupSeconds(name, args, options);
      return `floor((${args[0]})/${formatFloatV(seconds)})*${formatFloatV(seconds)}`;
    }
    case "__unixEpochGroupAlias":
      return `${evaluateMacro("__unixEpochGroup", args, options)} AS "time"`;
    default:
      throw new MacroReason(`unknown macro "${name}"`);
  }
}

function groupSeconds(name: string, args: string[], options: MacroOptions): number {
  if (args.length < 2) throw new MacroReason(`macro ${name} needs time column and interval and optional fill value`);
  let ms: number;
  try {
    ms = parseGrafanaInterval(args[1]!.replace(/^'+|'+$/g, ""), options.now);
  } catch {
    throw new MacroReason(`error parsing interval ${args[1]}`);
  }
  if (args.length === 3) {
    // Grafana resamples the frame to the interval on the server; the engine does not imitate that
    throw new MacroReason(
      `the check engine does not support the fill argument of ${name} (${args[2]}); fill in SQL (generate_series) instead`,
    );
  }
  return ms / 1000;
}

function epochSeconds(date: Date): string {
  return String(Math.floor(date.getTime() / 1000));
}

function epochNanos(date: Date): string {
  return (BigInt(date.getTime()) * 1_000_000n).toString();
}
