// sql/indexes.sql: the indexes the toolkit recommends beyond the real schema. Never created by `role` or
// `setup`: an operator applies them (CREATE INDEX CONCURRENTLY does not block the trading system's
// writes). The benchmark creates and drops them to measure the panels with and without them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type postgres from "postgres";

const INDEXES_FILE = join(import.meta.dir, "..", "..", "..", "sql", "indexes.sql");

export interface RecommendedIndex {
  name: string;
  table: string;
  statement: string;
  /** The comment above it: which panel it serves and why. */
  reason: string;
}

const CREATE = /^CREATE INDEX CONCURRENTLY IF NOT EXISTS (\w+)\s+ON\s+(\w+)/i;

/** The file's statements, each with the comment lines just above it. */
export function recommendedIndexes(text = readFileSync(INDEXES_FILE, "utf8")): RecommendedIndex[] {
  const indexes: RecommendedIndex[] = [];
  let comment: string[] = [];
  let statement: string[] = [];
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (!statement.length && trimmed.startsWith("--")) {
      comment.push(trimmed.replace(/^--\s?/, ""));
      continue;
    }
    if (!statement.length && !trimmed) {
      comment = [];
      continue;
    }
    statement.push(line);
    if (trimmed.endsWith(";")) {
      const text = statement.join("\n").trim().replace(/;$/, "");
      const match = CREATE.exec(text);
      if (!match) throw new Error(`${INDEXES_FILE}: every statement must be CREATE INDEX CONCURRENTLY IF NOT EXISTS name ON table, got: ${text.slice(0, 80)}`);
      indexes.push({ name: match[1]!, table: match[2]!, statement: text, reason: comment.join(" ") });
      comment = [];
      statement = [];
    }
  }
  return indexes;
}

/** Names of the recommended indexes that exist (and are valid) in the connected database. */
export async function presentIndexes(sql: postgres.Sql, indexes = recommendedIndexes()): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
    WHERE c.relname = ANY (${indexes.map((i) => i.name)}::text[]) AND i.indisvalid`;
  return rows.map((r) => r.name);
}

/** Creates them as an operator would (concurrently, outside a transaction); a build left invalid by an
 *  interrupted run is dropped first, since IF NOT EXISTS would keep it. Returns seconds per index built
 *  (those already there are not rebuilt). */
export async function createIndexes(sql: postgres.Sql, indexes = recommendedIndexes()): Promise<Record<string, number>> {
  const seconds: Record<string, number> = {};
  const present = new Set(await presentIndexes(sql, indexes));
  for (const index of indexes.filter((i) => !present.has(i.name))) {
    const [invalid] = await sql`SELECT 1 FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid WHERE c.relname = ${index.name} AND NOT i.indisvalid`;
    if (invalid) await sql`DROP INDEX CONCURRENTLY IF EXISTS ${sql(index.name)}`;
    const started = performance.now();
    await sql.unsafe(index.statement);
    seconds[index.name] = Math.round((performance.now() - started) / 100) / 10;
  }
  return seconds;
}

export async function dropIndexes(sql: postgres.Sql, indexes = recommendedIndexes()): Promise<void> {
  for (const index of indexes) await sql`DROP INDEX CONCURRENTLY IF EXISTS ${sql(index.name)}`;
}
