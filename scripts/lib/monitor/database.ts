// What the monitor reads of the database, as the read-only role through the PostgreSQL datasource's own
// definition and check's PostgreSQL kind: the SQL is a file of sql/panels/ loaded as panels load theirs,
// Grafana's macros expanded over a window as Grafana would expand them for a panel showing it. The database
// figures issue 24's alerts need (signals and orders in the last MONITOR_DATABASE_WINDOW, rejections), and
// the orders of settled buckets the monitor summarizes (order-buckets.ts).
import { DATASOURCE_UIDS, datasourceDefinitions, datasourceSecrets } from "../../../grafana/datasources.ts";
import { panelSql } from "../../../grafana/queries/postgres.ts";
import type { Target } from "../check/dashboard-model.ts";
import type { Frame } from "../check/frames.ts";
import type { OpenDatasource } from "../check/sources/kind.ts";
import { postgresKind } from "../check/sources/postgres.ts";
import type { Config } from "../config.ts";
import type { DatabaseFigures } from "./metrics.ts";

export const DATABASE_FIGURES_SQL = "monitor-trading-activity";

export class DatabaseFiguresReader {
  private readonly datasource: OpenDatasource;
  /** MONITORING_SCHEMA: the files name the default, and are read as the panels are (inSchema). */
  private readonly schema: string;
  private readonly targets = new Map<string, Target>();

  constructor(
    config: Config,
    private readonly windowSeconds = config.monitor.databaseWindowSeconds,
  ) {
    const definition = datasourceDefinitions(config).find((ds) => ds.uid === DATASOURCE_UIDS.postgres)!;
    // One connection is enough for one query per interval: the one the role's limit keeps for the monitor
    // (grafana/datasources.ts gives Grafana's pool the limit less two).
    const lean = { ...definition, jsonData: { ...definition.jsonData, maxOpenConns: 1 } };
    this.datasource = postgresKind.open(lean, datasourceSecrets(definition, config.values).secrets);
    this.schema = config.monitor.schema;
  }

  /** sql/panels/<sqlFile>.sql over [from, to], its one frame. */
  async query(sqlFile: string, from: Date, to: Date): Promise<Frame> {
    const target = this.targetOf(sqlFile);
    const range = { from, to, raw: { from: from.toISOString(), to: to.toISOString() } };
    const deadlineMs = 5_000;
    const signal = AbortSignal.timeout(deadlineMs);
    const [frame] = await this.datasource.run(target, { range, variables: [], intervalMs: 60_000, maxDataPoints: 1000, deadlineMs }, signal);
    if (!frame) throw new Error(`sql/panels/${sqlFile}.sql answered no frame`);
    return frame;
  }

  /** Each file's target, read once: a reading runs the same few files every interval. */
  private targetOf(sqlFile: string): Target {
    let target = this.targets.get(sqlFile);
    if (!target) {
      target = { refId: "A", rawSql: panelSql(sqlFile, this.schema), format: "table" } as unknown as Target;
      this.targets.set(sqlFile, target);
    }
    return target;
  }

  async read(now = new Date()): Promise<DatabaseFigures> {
    const frame = await this.query(DATABASE_FIGURES_SQL, new Date(now.getTime() - this.windowSeconds * 1000), now);
    const at = (name: string) => {
      const value = valueOf(frame, name);
      return typeof value === "number" ? new Date(value) : null;
    };
    return {
      signals: Number(valueOf(frame, "signals") ?? 0),
      orders: Number(valueOf(frame, "orders") ?? 0),
      rejectedOrders: Number(valueOf(frame, "rejected_orders") ?? 0),
      lastSignalAt: at("last_signal_at"),
      lastOrderAt: at("last_order_at"),
    };
  }

  close(): Promise<void> {
    return this.datasource.close();
  }
}

const valueOf = (frame: Frame, name: string) => frame.fields.find((field) => field.name === name)?.values[0] ?? null;
