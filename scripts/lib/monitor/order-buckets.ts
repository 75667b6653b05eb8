// The monitor's summary of orders per settled 10-minute bucket, kept in MONITORING_SCHEMA for the model
// quality panel: its range totals (SC-006) would otherwise join every order of the range to its signal
// (orders carry no strategy), 200+ ms a refresh for a day at the real system's peak (docs/performance.md).
// The panel sums the summarized buckets inside its range and joins only the orders around them live, so
// it is right with or without this summary, only faster with it.
//
// A bucket is summarized once its orders are settled: order-manager cancels a pending order after 5
// minutes, so 15 minutes after a bucket's end no status of its orders changes between filled and not.
// The summarized buckets are one unbroken stretch: new buckets are added above it as they settle (the
// stretch first catches up after a pause), then the stretch grows down toward the retention limit, a
// bounded number of buckets per reading. Orders written or deleted later in a summarized bucket (a
// restore, a backfill) are found by comparing each bucket's order count with the index, a day of buckets
// per reading walking down, and the bucket summarized again.
//
// Reading is done as the read-only role (the queries are files of sql/panels/, run as the PostgreSQL
// datasource runs them); writing as the writer role, under one advisory lock, so two monitors at once
// rewrite a bucket with the same numbers.
import type postgres from "postgres";
import { ORDER_BUCKETS_TABLE, ORDER_COUNTS_TABLE } from "../role/monitoring-schema.ts";
import { type Frame, rowCount } from "../check/frames.ts";
import type { DatabaseFiguresReader } from "./database.ts";
import { fromUtc, utc } from "./events.ts";

export const BUCKET_MS = 600_000;
/** How long after a bucket's end its orders' statuses are final (orders are cancelled after 5 minutes). */
export const SETTLE_MS = 900_000;
/** Buckets summarized in one reading at most (12 hours), so that filling the retention spreads over readings. */
export const BUCKETS_PER_READING = 72;
/** Buckets whose counts one reading compares with the index (a day). */
export const BUCKETS_VERIFIED_PER_READING = 144;
const DAY_MS = 86_400_000;

export const ORDER_BUCKETS_SQL = "monitor-order-buckets";
export const ORDER_COUNTS_SQL = "monitor-order-counts";

/** The first and last bucket summarized (their starts), null when none is. */
export interface Coverage {
  first: Date | null;
  last: Date | null;
}

export interface Stretch {
  from: Date;
  /** Exclusive: the start of the bucket after the last one. */
  to: Date;
}

/** The start of the newest bucket whose orders are settled at `now`. */
export function newestSettled(now: Date): Date {
  return new Date(Math.floor((now.getTime() - SETTLE_MS - BUCKET_MS) / BUCKET_MS) * BUCKET_MS);
}

/** The buckets to summarize next: above the stretch up to the newest settled bucket, else below it down to
 *  the retention limit; at most `budget` buckets; null when the stretch is whole. */
export function nextStretch(coverage: Coverage, now: Date, retentionDays: number, budget = BUCKETS_PER_READING): Stretch | null {
  const newest = newestSettled(now).getTime();
  const oldest = Math.ceil((now.getTime() - retentionDays * DAY_MS) / BUCKET_MS) * BUCKET_MS;
  const span = budget * BUCKET_MS;
  if (!coverage.first || !coverage.last) {
    const from = Math.max(oldest, newest - span + BUCKET_MS);
    return from <= newest ? { from: new Date(from), to: new Date(newest + BUCKET_MS) } : null;
  }
  const last = coverage.last.getTime();
  if (last < newest) {
    const from = Math.max(last + BUCKET_MS, oldest);
    return { from: new Date(from), to: new Date(Math.min(newest + BUCKET_MS, from + span)) };
  }
  const first = coverage.first.getTime();
  if (first > oldest) return { from: new Date(Math.max(oldest, first - span)), to: new Date(first) };
  return null;
}

export interface KeepResult {
  /** Buckets summarized for the first time or again, and the orders they hold. */
  buckets: number;
  orders: number;
  /** Buckets summarized again because their order count had changed. */
  repaired: number;
}

export class OrderBuckets {
  /** Where the next comparison with the index ends (exclusive); walks down a day per reading. */
  private verifyBefore: number | null = null;

  constructor(
    private readonly reader: DatabaseFiguresReader,
    private readonly writer: postgres.Sql,
    private readonly schema: string,
  ) {}

  /** One reading's work: the next stretch of buckets, then a day of summarized buckets compared. */
  async keep(now: Date, retentionDays: number): Promise<KeepResult> {
    const coverage = await this.coverage();
    const stretch = nextStretch(coverage, now, retentionDays);
    const added = stretch ? await this.summarize(stretch, now) : { buckets: 0, orders: 0 };
    const repaired = coverage.first && coverage.last ? await this.verify(coverage.first, coverage.last, now) : 0;
    return { buckets: added.buckets + repaired, orders: added.orders, repaired };
  }

  async coverage(): Promise<Coverage> {
    const sql = this.writer;
    const [row] = await sql<{ first: string | null; last: string | null }[]>`
      SELECT min(bucket)::text AS first, max(bucket)::text AS last FROM ${sql(this.schema)}.${sql(ORDER_BUCKETS_TABLE)}`;
    return { first: row?.first ? fromUtc(row.first) : null, last: row?.last ? fromUtc(row.last) : null };
  }

  /** Reads the orders of [from, to) by bucket and replaces those buckets' rows, marking every bucket of the
   *  stretch summarized (an empty one too: it holds no orders). */
  async summarize(stretch: Stretch, now: Date): Promise<{ buckets: number; orders: number }> {
    const frame = await this.reader.query(ORDER_BUCKETS_SQL, stretch.from, stretch.to);
    const counts = rows(frame).map((r) => ({
      bucket: utc(new Date(r.bucket as number)),
      strategy_id: (r.strategy_id as string | null) ?? null,
      asset: (r.asset as string | null) ?? null,
      orders: Number(r.orders),
      filled: Number(r.filled),
      rejected: Number(r.rejected),
    }));
    const perBucket = new Map<string, number>();
    for (const c of counts) perBucket.set(c.bucket, (perBucket.get(c.bucket) ?? 0) + c.orders);
    const marks: { bucket: string; orders: number; summarized_at: string }[] = [];
    for (let t = stretch.from.getTime(); t < stretch.to.getTime(); t += BUCKET_MS) {
      const bucket = utc(new Date(t));
      marks.push({ bucket, orders: perBucket.get(bucket) ?? 0, summarized_at: utc(now) });
    }
    const from = utc(stretch.from);
    const to = utc(stretch.to);
    await this.writer.begin(async (tx) => {
      const sql = tx as unknown as postgres.Sql;
      const table = (name: string) => sql`${sql(this.schema)}.${sql(name)}`;
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`${this.schema}.${ORDER_BUCKETS_TABLE}`}))`;
      await sql`DELETE FROM ${table(ORDER_COUNTS_TABLE)} WHERE bucket >= ${from}::timestamp AND bucket < ${to}::timestamp`;
      await sql`DELETE FROM ${table(ORDER_BUCKETS_TABLE)} WHERE bucket >= ${from}::timestamp AND bucket < ${to}::timestamp`;
      if (counts.length) await sql`INSERT INTO ${table(ORDER_COUNTS_TABLE)} ${sql(counts)}`;
      if (marks.length) await sql`INSERT INTO ${table(ORDER_BUCKETS_TABLE)} ${sql(marks)}`;
    });
    return { buckets: marks.length, orders: counts.reduce((n, c) => n + c.orders, 0) };
  }

  /** Compares a day of summarized buckets with the orders the index holds now, walking down from the last
   *  bucket and starting again at the top; each bucket that differs is summarized again. */
  private async verify(first: Date, last: Date, now: Date): Promise<number> {
    const top = last.getTime() + BUCKET_MS;
    if (this.verifyBefore === null || this.verifyBefore <= first.getTime() || this.verifyBefore > top) this.verifyBefore = top;
    const to = this.verifyBefore;
    const from = Math.max(first.getTime(), to - BUCKETS_VERIFIED_PER_READING * BUCKET_MS);
    this.verifyBefore = from;
    const sql = this.writer;
    const [actual, summarized] = await Promise.all([
      this.reader.query(ORDER_COUNTS_SQL, new Date(from), new Date(to)),
      sql<{ bucket: string; orders: number }[]>`
        SELECT bucket::text, orders FROM ${sql(this.schema)}.${sql(ORDER_BUCKETS_TABLE)}
        WHERE bucket >= ${utc(new Date(from))}::timestamp AND bucket < ${utc(new Date(to))}::timestamp`,
    ]);
    const indexed = new Map(rows(actual).map((r) => [r.bucket as number, Number(r.orders)]));
    const differing: number[] = [];
    for (const mark of summarized) {
      const at = fromUtc(mark.bucket).getTime();
      if ((indexed.get(at) ?? 0) !== mark.orders) differing.push(at);
    }
    for (const at of differing.slice(0, BUCKETS_PER_READING)) await this.summarize({ from: new Date(at), to: new Date(at + BUCKET_MS) }, now);
    return Math.min(differing.length, BUCKETS_PER_READING);
  }

  /** Deletes the buckets that started before the retention limit. */
  async deleteOlderThan(days: number, now: Date): Promise<number> {
    const sql = this.writer;
    const cutoff = utc(new Date(now.getTime() - days * DAY_MS));
    return sql.begin(async (tx) => {
      const t = tx as unknown as postgres.Sql;
      await t`DELETE FROM ${t(this.schema)}.${t(ORDER_COUNTS_TABLE)} WHERE bucket < ${cutoff}::timestamp`;
      return (await t`DELETE FROM ${t(this.schema)}.${t(ORDER_BUCKETS_TABLE)} WHERE bucket < ${cutoff}::timestamp`).count;
    });
  }
}

/** A frame's rows as objects keyed by field name. */
function rows(frame: Frame): Record<string, unknown>[] {
  return Array.from({ length: rowCount(frame) }, (_, i) => Object.fromEntries(frame.fields.map((f) => [f.name, f.values[i]])));
}
