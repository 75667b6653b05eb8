// A small typed query builder for the Infinity datasource (JSON over HTTP, backend parser), in the
// foundation SDK's custom-query pattern. Only what the check engine evaluates exactly as Infinity's
// backend does can be built here (infinity-facts §2-4): parser "backend" always explicit, a GET of a path
// under the datasource's base URL, a root selector and typed columns.
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import { type DatasourceKey, DATASOURCE_UIDS, INFINITY_TYPE } from "../datasources.ts";

export type InfinityColumnType = "string" | "number" | "boolean" | "timestamp" | "timestamp_epoch" | "timestamp_epoch_s";

/** A table's columns, written once, in the order the panel shows them: name -> [type, the JSONata
 *  expression of its value]. The JSONata row object (mapRows), the query's typed columns (.columns) and
 *  the panel's column order (columnOrder) all come from it. */
export type RowColumns = Record<string, readonly [InfinityColumnType, string]>;

/** A value read straight from the answer, as both JSONata engines read it: null when the answer has
 *  nothing there or a JSON null. jsonata-go reads a JSON null as nothing (it would leave the field out),
 *  the JS package as null; this way both hand Infinity's framer the same null. */
export const valueAt = (path: string) => `($exists(${path}) ? ${path} : null)`;

export interface RowsOptions {
  /** `$x := ...;` statements evaluated for each item before its row. */
  bindings?: string;
  /** When the answer gives rows at all (default: it is not empty, null, {} or []); otherwise no row, and
   *  the panel shows its noValue. */
  when?: string;
  /** A JSONata comparator `function($l, $r) { ... }` (true: $l comes after $r) that orders the rows; it must
   *  order every pair (ties broken to the last key), so that both engines give the same order. */
  order?: string;
}

/** One row per item of `source` (an object is one item, an array each of its items), its value for each
 *  column from the column's expression, in a form jsonata-go (Infinity's backend) and the JS package
 *  evaluate alike: always an array (jsonata-go's $map of one item is an array of one, the JS package's
 *  the item itself), and an empty one, "no data" in both, for an empty, null, {} or [] answer (jsonata-go's
 *  $map of nothing is null where the JS package makes a row of nothing). */
export function mapRows(source: string, variable: string, row: RowColumns, options: RowsOptions = {}): string {
  const object = `{${Object.entries(row).map(([name, [, expression]]) => `${JSON.stringify(name)}: ${expression}`).join(", ")}}`;
  const body = options.bindings ? `( ${options.bindings} ${object} )` : object;
  const rows = `$append([], $map(${options.when ?? "$"} ? [${source}] : [], function(${variable}) { ${body} }))`;
  return options.order ? `$sort(${rows}, ${options.order})` : rows;
}

/** The columns' display order, as the organize transformation takes it (Infinity returns fields sorted by
 *  name): the tables' columns in order, each once, those the panel hides left out. */
export function columnOrder(tables: RowColumns[], hidden: string[] = []): Record<string, number> {
  const names = [...new Set(tables.flatMap((row) => Object.keys(row)))].filter((name) => !hidden.includes(name));
  return Object.fromEntries(names.map((name, index) => [name, index]));
}

export interface InfinityColumn {
  selector: string;
  text: string;
  type: InfinityColumnType;
}

export interface InfinityQuery extends cog.Dataquery {
  refId: string;
  datasource: { type: typeof INFINITY_TYPE; uid: string };
  type: "json";
  source: "url";
  format: "table";
  parser: "backend";
  url: string;
  url_options: { method: "GET"; data: ""; params: { key: string; value: string }[]; headers: { key: string; value: string }[] };
  root_selector: string;
  columns: InfinityColumn[];
}

class InfinityQueryBuilder implements cog.Builder<cog.Dataquery> {
  private readonly query: InfinityQuery;

  /** A GET of `path` (joined to the datasource's base URL by plain concatenation, as Infinity does). */
  constructor(source: Exclude<DatasourceKey, "postgres">, path: string) {
    this.query = {
      refId: "A",
      datasource: { type: INFINITY_TYPE, uid: DATASOURCE_UIDS[source] },
      type: "json",
      source: "url",
      format: "table",
      parser: "backend",
      url: path,
      url_options: { method: "GET", data: "", params: [], headers: [] },
      root_selector: "",
      columns: [],
      _implementsDataqueryVariant() {},
    };
  }

  refId(refId: string): this {
    this.query.refId = refId;
    return this;
  }

  /** A JSONata expression (or plain path) selecting the rows. */
  rootSelector(selector: string): this {
    this.query.root_selector = selector;
    return this;
  }

  /** A column named `text` from the row's `selector` (a plain path), coerced to `type`. */
  column(text: string, type: InfinityColumnType, selector = text): this {
    this.query.columns.push({ selector, text, type });
    return this;
  }

  /** A column per entry of the table, typed as it says. */
  columns(row: RowColumns): this {
    for (const [name, [type]] of Object.entries(row)) this.column(name, type);
    return this;
  }

  build(): InfinityQuery {
    return this.query;
  }
}

export const infinityQuery = (source: Exclude<DatasourceKey, "postgres">, path: string) => new InfinityQueryBuilder(source, path);
