// Dashboard-variable interpolation as Grafana 13's browser does it before /api/ds/query (dashboards
// run on Scenes: sceneInterpolator + formatRegistry + MultiValueVariable; grafana-facts §5.1, §6.3).
// - PostgreSQL: with no `:format` the datasource's own formatter applies (SqlDatasource
//   interpolateVariable): single-value strings unquoted with ' doubled, multi/include-All quoted,
//   arrays quoted and joined by ",", numbers as is.
// - Infinity: its frontend (src/interpolate.ts) passes `glob` as the default format for every field it
//   interpolates (url, params, headers, body, root_selector...), so a multi selection becomes {a,b}.
// - Prometheus: in `expr` its frontend's interpolateQueryExpr (prometheus-facts §9.3): a single value with
//   \ and ' escaped, a multi-value or include-All variable's values regex-escaped and joined as (a|b).
// Custom all values are inserted raw and then interpolated again (Scenes' CustomAllValue). Unknown
// variables, `${var.path}` field paths and macros the engine has no value for stay as written.
import { ALL_SELECTED } from "../../../grafana/types.ts";
import { formatMomentUtc, type TimeRange } from "./time-range.ts";

export interface TemplateVariable {
  name: string;
  multi: boolean;
  includeAll: boolean;
  allValue?: string | null;
  /** Every value the variable offers, used for All. */
  options: string[];
  /** Selected values; [ALL_SELECTED] means All. */
  current: string[];
}

interface TemplateOptions {
  range: TimeRange;
  format: "postgres" | "infinity" | "prometheus";
}

// scenes' VARIABLE_REGEX: $var | [[var]] / [[var:fmt]] | ${var} / ${var.path} / ${var:fmt[:args]}
const VARIABLE_REGEX = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

type Value = string | number | string[];
type Formatter = (value: Value, variable: { multi: boolean; includeAll: boolean }) => string;
interface Source {
  name: string;
  multi: boolean;
  includeAll: boolean;
  /** A custom all value: formatted by its own rules, then interpolated again. */
  customAll?: string;
  value: Value;
  text: string;
}

export function interpolateTemplate(text: string, variables: TemplateVariable[], options: TemplateOptions): string {
  const byName = new Map(variables.map((v) => [v.name, v]));
  const defaultFormat: string | Formatter =
    options.format === "postgres" ? postgresFormatter : options.format === "prometheus" ? prometheusFormatter : "glob";
  return interpolate(text, byName, options.range, defaultFormat);
}

/** The names a text refers to as variables ($var, ${var}, ${var:fmt}, [[var]]), macros included. */
export function variableNames(text: string): string[] {
  return [...text.matchAll(VARIABLE_REGEX)].map((m) => (m[1] || m[2] || m[4])!);
}

function interpolate(text: string, byName: Map<string, TemplateVariable>, range: TimeRange, format: string | Formatter | undefined): string {
  return text.replace(
    VARIABLE_REGEX,
    (match, var1?: string, var2?: string, fmt2?: string, var3?: string, fieldPath?: string, fmt3?: string) => {
      const name = (var1 || var2 || var3)!;
      if (fieldPath) return match;
      const source = lookup(name, byName, range);
      if (!source) return match;
      const fmt = fmt2 || fmt3 || format;
      if (source.customAll !== undefined) {
        return interpolate(formatCustomAll(source, fmt), byName, range, undefined);
      }
      return formatValue(source, fmt);
    },
  );
}

function lookup(name: string, byName: Map<string, TemplateVariable>, range: TimeRange): Source | undefined {
  const variable = byName.get(name);
  if (variable) return variableSource(variable);
  // Scenes' macros with a value outside a panel's data request
  if (name === "__from" || name === "__to") {
    const date = name === "__from" ? range.from : range.to;
    return { name, multi: false, includeAll: false, value: date.getTime(), text: formatMomentUtc(date, "YYYY-MM-DD HH:mm:ss") };
  }
  if (name === "__timezone") return { name, multi: false, includeAll: false, value: "utc", text: "utc" };
  return undefined;
}

function variableSource(variable: TemplateVariable): Source {
  const base = { name: variable.name, multi: variable.multi, includeAll: variable.includeAll };
  if (variable.current[0] === ALL_SELECTED) {
    if (variable.allValue) return { ...base, customAll: variable.allValue, value: variable.allValue, text: "All" };
    return { ...base, value: [...variable.options], text: "All" };
  }
  if (variable.multi) return { ...base, value: [...variable.current], text: variable.current.join(" + ") };
  const single = variable.current[0] ?? "";
  return { ...base, value: single, text: single };
}

function formatCustomAll(source: Source, fmt: string | Formatter | undefined): string {
  const value = source.customAll!;
  if (fmt === "text") return "All";
  if (fmt === "percentencode") return FORMATS.percentencode!(value, [], source);
  if (fmt === "queryparam") return FORMATS.queryparam!("All", [], source);
  return value;
}

function formatValue(source: Source, fmt: string | Formatter | undefined): string {
  if (typeof fmt === "function") return fmt(source.value, source);
  const [name, ...args] = (fmt ?? "glob").split(":");
  const formatter = FORMATS[name!] ?? FORMATS.glob!;
  return formatter(source.value, args, source);
}

/** SqlDatasource.interpolateVariable with PostgresQueryModel.quoteLiteral. */
const postgresFormatter: Formatter = (value, variable) => {
  if (typeof value === "string") return variable.multi || variable.includeAll ? quoteLiteral(value) : value.replace(/'/g, "''");
  if (typeof value === "number") return String(value);
  return value.map(quoteLiteral).join(",");
};

/** The Prometheus frontend's interpolateQueryExpr with prometheusRegularEscape and
 *  prometheusSpecialRegexEscape (prometheus-facts §9.3; the classic escaping, without the
 *  prometheusSpecialCharsInLabelValues toggle). */
const prometheusFormatter: Formatter = (value, variable) => {
  if (typeof value === "number") return String(value);
  if (!variable.multi && !variable.includeAll) {
    const one = Array.isArray(value) ? value.join(",") : value;
    return one.replace(/\\/g, "\\\\").replace(/'/g, "\\\\'");
  }
  const escaped = (Array.isArray(value) ? value : [value]).map((v) => v.replace(/\\/g, "\\\\\\\\").replace(/[$^*{}[\]+?.()|]/g, "\\\\$&"));
  return escaped.length === 1 ? escaped[0]! : `(${escaped.join("|")})`;
};

function quoteLiteral(value: string): string {
  return `'${String(value).replace(/'/g, "''")}'`;
}

type FormatFn = (value: Value, args: string[], source: Source) => string;

const FORMATS: Record<string, FormatFn> = {
  lucene: (value) => {
    if (typeof value === "string") return luceneEscape(value);
    if (Array.isArray(value)) return value.length === 0 ? "__empty__" : `(${value.map((v) => `"${luceneEscape(v)}"`).join(" OR ")})`;
    return luceneEscape(String(value));
  },
  raw: (value) => String(value),
  regex: (value) => {
    if (!Array.isArray(value)) return escapeRegex(String(value));
    const escaped = value.map((v) => escapeRegex(String(v)));
    return escaped.length === 1 ? escaped[0]! : `(${escaped.join("|")})`;
  },
  pipe: (value) => (Array.isArray(value) ? value.join("|") : String(value)),
  distributed: (value, _args, source) =>
    Array.isArray(value) ? value.map((v, i) => (i === 0 ? v : `${source.name}=${v}`)).join(",") : String(value),
  csv: (value) => (Array.isArray(value) ? value.join(",") : String(value)),
  html: (value) => escapeHtml(Array.isArray(value) ? value.join(", ") : String(value)),
  json: (value) => (typeof value === "string" ? value : JSON.stringify(value)),
  percentencode: (value) => encodeURIComponentStrict(Array.isArray(value) ? `{${value.join(",")}}` : String(value)),
  singlequote: (value) => quoteEach(value, "'", "\\'"),
  doublequote: (value) => quoteEach(value, '"', '\\"'),
  // Scenes' sqlstring doubles ' and also writes " as \" (grafana-facts lists only the first)
  sqlstring: (value) => {
    const one = (v: string) => `'${String(v).replace(/'|"/g, (c) => (c === "'" ? "''" : '\\"'))}'`;
    return Array.isArray(value) ? value.map(one).join(",") : one(String(value));
  },
  join: (value, args) => (Array.isArray(value) ? value.join(args[0] ?? ",") : String(value)),
  date: (value, args) => {
    const ms = typeof value === "number" ? value : typeof value === "string" ? parseInt(value, 10) : NaN;
    if (Number.isNaN(ms)) return "NaN";
    const arg = args[0] ?? "iso";
    if (arg === "ms") return String(value);
    if (arg === "seconds") return String(Math.round(ms / 1000));
    if (arg === "iso") return new Date(ms).toISOString();
    // moment formats in the browser's zone; the dashboards are UTC, so UTC here
    return formatMomentUtc(new Date(ms), args.length > 1 ? args.join(":") : arg);
  },
  glob: (value) => (Array.isArray(value) && value.length > 1 ? `{${value.join(",")}}` : String(value)),
  text: (_value, _args, source) => source.text,
  // MultiValueVariable's URL state: var-name=value per value (AngularJS-style encoding)
  queryparam: (value, _args, source) => {
    const values = source.customAll !== undefined ? [ALL_SELECTED] : Array.isArray(value) ? value : [String(value)];
    return values.map((v) => `var-${source.name}=${encodeAsAngularJs(v)}`).join("&");
  },
  customqueryparam: (value, args, source) => {
    const name = encodeURIComponentStrict(args[0] || source.name);
    const prefix = encodeURIComponentStrict(args[1] || "");
    const values = Array.isArray(value) ? value : [String(value)];
    return values.map((v) => `${name}=${prefix}${encodeURIComponentStrict(v)}`).join("&");
  },
  uriencode: (value) => replaceSubDelims(encodeURI(Array.isArray(value) ? `{${value.join(",")}}` : String(value))),
};

function quoteEach(value: Value, quote: string, escaped: string): string {
  const one = (v: string) => `${quote}${String(v).split(quote).join(escaped)}${quote}`;
  return Array.isArray(value) ? value.map(one).join(",") : one(String(value));
}

function luceneEscape(value: string): string {
  if (!Number.isNaN(Number(value))) return value;
  return value.replace(/([!*+\-=<>\s&|()[\]{}^~?:\\/"])/g, "\\$1");
}

function escapeRegex(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}/]/g, "\\$&");
}

function escapeHtml(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

function replaceSubDelims(value: string): string {
  return value.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function encodeURIComponentStrict(value: string): string {
  return replaceSubDelims(encodeURIComponent(value));
}

function encodeAsAngularJs(value: string): string {
  return encodeURIComponent(value)
    .replace(/%40/gi, "@")
    .replace(/%3A/gi, ":")
    .replace(/%24/g, "$")
    .replace(/%2C/gi, ",")
    .replace(/%3B/gi, ";");
}
