// Keys and indexes of tables about to take a bulk load, dropped before it and rebuilt after it: a sorted
// build is several times cheaper than maintaining random-UUID B-trees row by row, and a foreign key
// validated once by a join is cheaper than a lookup per row. The definitions are read from the catalog,
// so sql/demo/schema.sql stays their only source and the rebuild restores exactly what was there.
import type postgres from "postgres";

export interface DeferredIndex {
  table: string;
  /** Foreign keys from or to a loaded table: dropped first, restored last. */
  foreignKey: boolean;
  drop: string;
  restore: string;
}

/** What to drop and rebuild for a load of `tables` (their keys, indexes and foreign keys). */
export async function readDeferredIndexes(sql: postgres.ISql, tables: readonly string[]): Promise<DeferredIndex[]> {
  const names = [...tables];
  return sql<DeferredIndex[]>`
    SELECT c.conrelid::regclass::text AS table, true AS "foreignKey",
      format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) AS drop,
      format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)) AS restore
    FROM pg_constraint c
    WHERE c.contype = 'f' AND (c.confrelid = ANY (${names}::text[]::regclass[]) OR c.conrelid = ANY (${names}::text[]::regclass[]))
    UNION ALL
    SELECT c.conrelid::regclass::text, false,
      format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
      format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
    FROM pg_constraint c WHERE c.contype IN ('p', 'u') AND c.conrelid = ANY (${names}::text[]::regclass[])
    UNION ALL
    SELECT i.indrelid::regclass::text, false, format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)
    FROM pg_index i
    WHERE i.indrelid = ANY (${names}::text[]::regclass[])
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))`;
}

/** Drops them, foreign keys first (a key cannot go while a foreign key needs it). Run it in a transaction. */
export async function dropDeferredIndexes(sql: postgres.ISql, deferred: DeferredIndex[]): Promise<void> {
  for (const index of [...deferred.filter((d) => d.foreignKey), ...deferred.filter((d) => !d.foreignKey)]) {
    await sql.unsafe(index.drop);
  }
}

/** Rebuilds keys and indexes, then foreign keys, one after another on one connection (e.g. inside the
 *  transaction that dropped them). */
export async function restoreDeferredIndexes(sql: postgres.ISql, deferred: DeferredIndex[]): Promise<void> {
  for (const index of [...deferred.filter((d) => !d.foreignKey), ...deferred.filter((d) => d.foreignKey)]) {
    await sql.unsafe(index.restore);
  }
}

/** Rebuilds each table's keys and indexes on a connection of its own (the tables in parallel), then the
 *  foreign keys. Returns the seconds each table took. */
export async function restoreDeferredIndexesInParallel(sql: postgres.Sql, deferred: DeferredIndex[]): Promise<Map<string, number>> {
  const seconds = new Map<string, number>();
  const tables = [...new Set(deferred.filter((d) => !d.foreignKey).map((d) => d.table))];
  await Promise.all(
    tables.map((table) =>
      sql.begin(async (tx) => {
        const started = performance.now();
        // Sorts 10 million UUIDs mostly in memory; a transient 512 MB per table, for the rebuild only.
        await tx`SET LOCAL maintenance_work_mem = '512MB'`;
        await restoreDeferredIndexes(tx, deferred.filter((d) => d.table === table && !d.foreignKey));
        seconds.set(table, (performance.now() - started) / 1000);
      }),
    ),
  );
  // A foreign key's validation (a join over both tables) counts for the table that holds it.
  for (const index of deferred.filter((d) => d.foreignKey)) {
    const started = performance.now();
    await sql.unsafe(index.restore);
    seconds.set(index.table, (seconds.get(index.table) ?? 0) + (performance.now() - started) / 1000);
  }
  return seconds;
}
