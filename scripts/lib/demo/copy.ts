// COPY ... FROM STDIN through the postgres package: on a reserved connection per table (the bulk seed
// loads millions of rows, tables in parallel) or inside a caller's transaction (the demo's backfill,
// all or nothing).
import { once } from "node:events";
import type { Writable } from "node:stream";
import type postgres from "postgres";

export interface SeedTableReport {
  table: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
}

/** Signals per COPY chunk: about 1.5 MB of text for trading_signals. */
export const BATCH = 5_000;
export const NULL = "\\N";

export type CopyValue = string | number | boolean | null | undefined | object;

/** One value in COPY's text format. */
function copyText(value: CopyValue): string {
  if (value === null || value === undefined) return NULL;
  if (typeof value === "boolean") return value ? "t" : "f";
  if (typeof value === "number") return String(value);
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}

export class CopyIn {
  rows = 0;
  private lines: string[] = [];
  private drained: Promise<unknown> = Promise.resolve();
  private failure: Error | null = null;
  private finished = false;
  private readonly started = performance.now();

  constructor(
    readonly table: string,
    private readonly sql: postgres.Sql,
    private readonly release: () => void,
    private readonly backendPid: number,
    private readonly stream: Writable,
  ) {
    // Without a listener, a row the server rejects would crash the process instead of failing the seed.
    stream.on("error", (error) => (this.failure ??= error));
  }

  get buffered() {
    return this.lines.length;
  }

  push(line: string) {
    this.lines.push(line);
  }

  /** Sends the buffered lines as one chunk. One chunk stays in flight: the caller builds the next one
   *  while PostgreSQL reads this one, and waits for 'drain' only before writing again. */
  async flush(): Promise<void> {
    await this.drained;
    if (this.failure) throw this.failure;
    if (!this.lines.length) return;
    const text = `${this.lines.join("\n")}\n`;
    this.rows += this.lines.length;
    this.lines = [];
    if (!this.stream.write(text)) {
      const drained = once(this.stream, "drain");
      drained.catch(() => {}); // the failure is thrown by the next flush
      this.drained = drained;
    }
  }

  async finish(): Promise<SeedTableReport> {
    await this.flush();
    await this.drained;
    let settled = false;
    const finished = once(this.stream, "finish").then(() => void (settled = true));
    this.stream.end();
    await Promise.race([finished, this.watchForLostError(() => settled)]);
    this.finished = true;
    return tableReport(this.table, this.rows, this.started);
  }

  /** postgres 3.4.9 never settles a COPY that the server rejects after end() (a duplicate key found
   *  when the last rows are flushed; porsager/postgres#1173). When the backend has left the COPY but
   *  'finish' has not come, fail rather than wait forever. */
  private async watchForLostError(settled: () => boolean): Promise<void> {
    while (!settled()) {
      await Bun.sleep(250);
      const [backend] = await this.sql<{ state: string | null }[]>`SELECT state FROM pg_stat_activity WHERE pid = ${this.backendPid}`;
      if (settled() || backend?.state === "active") continue;
      await Bun.sleep(2_000); // a successful COPY's 'finish' follows its end within milliseconds
      if (!settled()) {
        throw new Error(
          `COPY into ${this.table} failed on the server after its last row; the postgres client loses the server's message ` +
            "in that case (porsager/postgres#1173): see the PostgreSQL log",
        );
      }
    }
  }

  /** Gives the connection back; a COPY not finished is aborted (CopyFail), so nothing half-loaded stays. */
  close() {
    if (!this.finished && !this.stream.destroyed) this.stream.destroy(new Error(`seed of ${this.table} aborted`));
    this.release();
  }
}

/** A COPY into `table` on a connection of its own from the pool `sql`, or, with `within`, inside that
 *  transaction (one COPY at a time there; the pool still watches it, so it needs a free connection). */
export async function openCopy(
  sql: postgres.Sql,
  table: string,
  columns: readonly string[],
  within?: postgres.TransactionSql,
): Promise<CopyIn> {
  const reserved = within ? null : await sql.reserve();
  const connection = within ?? reserved!;
  const release = () => reserved?.release();
  try {
    const [backend] = await connection<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
    const stream = await connection`COPY ${connection(table)} (${connection(columns as string[])}) FROM STDIN`.writable();
    return new CopyIn(table, sql, release, backend!.pid, stream);
  } catch (error) {
    release();
    throw error;
  }
}

/** Loads rows of any table with COPY; values in column order (objects become JSON). */
export function copyRows(
  sql: postgres.Sql,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly CopyValue[]>,
  within?: postgres.TransactionSql,
): Promise<SeedTableReport> {
  return copyLines(sql, table, columns, (function* () {
    for (const row of rows) yield row.map(copyText).join("\t");
  })(), within);
}

/** Loads lines already in COPY's text format. */
export async function copyLines(
  sql: postgres.Sql,
  table: string,
  columns: readonly string[],
  lines: Iterable<string>,
  within?: postgres.TransactionSql,
): Promise<SeedTableReport> {
  const copy = await openCopy(sql, table, columns, within);
  try {
    for (const line of lines) {
      copy.push(line);
      if (copy.buffered >= BATCH) await copy.flush();
    }
    return await copy.finish();
  } finally {
    copy.close();
  }
}

export function tableReport(table: string, rows: number, startedAt: number): SeedTableReport {
  const seconds = (performance.now() - startedAt) / 1000;
  return { table, rows, seconds, rowsPerSecond: seconds > 0 ? rows / seconds : rows };
}
