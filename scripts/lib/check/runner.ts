// Who runs a panel's queries. `check` runs them against the sources themselves (DirectRunner), `smoke`
// through Grafana's /api/ds/query (grafana/smoke.ts): the rest of the engine is the same for both.
import type { DatasourceDefinition } from "../../../grafana/types.ts";
import type { Target } from "./dashboard-model.ts";
import type { Frame } from "./frames.ts";
import { datasourceKind } from "./sources/index.ts";
import type { OpenDatasource, QueryContext } from "./sources/kind.ts";

/** Runs one query whose dashboard variables are still in it, and answers its frames or throws. */
export interface QueryRunner {
  run(target: Target, datasource: DatasourceDefinition, context: QueryContext): Promise<Frame[]>;
}

/** A datasource's secureJsonData values (never written anywhere, only sent or used). */
export type SecretResolver = (datasource: DatasourceDefinition) => Record<string, string>;

/** Each query straight to its source, as Grafana's server runs it. A datasource is opened (a pool) the
 *  first time one of its queries runs and stays open, as Grafana keeps its pools, until close(). */
export class DirectRunner implements QueryRunner {
  private readonly open = new Map<string, OpenDatasource>();

  constructor(private readonly secrets: SecretResolver) {}

  private opened(datasource: DatasourceDefinition): OpenDatasource {
    let opened = this.open.get(datasource.uid);
    if (!opened) {
      opened = datasourceKind(datasource.type).open(datasource, this.secrets(datasource));
      this.open.set(datasource.uid, opened);
    }
    return opened;
  }

  /** Connects to each of these datasources that has a connection, all at once: throws the first that
   *  cannot be reached (refused at once, silent after its connect timeout), before any query waits on it. */
  async reach(datasources: DatasourceDefinition[]): Promise<void> {
    await Promise.all(datasources.map((datasource) => this.opened(datasource).reach?.()));
  }

  /** The query's frames, or an error with the text Grafana would show; none waits past the deadline. */
  async run(target: Target, datasource: DatasourceDefinition, context: QueryContext): Promise<Frame[]> {
    const opened = this.opened(datasource);
    const abort = new AbortController();
    let timer: Timer | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new Error(`no answer within ${context.deadlineMs / 1000} s`));
      }, context.deadlineMs);
    });
    try {
      return await Promise.race([opened.run(target, context, abort.signal), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes every datasource this runner opened. */
  async close(): Promise<void> {
    await Promise.all([...this.open.values()].map((opened) => opened.close()));
    this.open.clear();
  }
}
