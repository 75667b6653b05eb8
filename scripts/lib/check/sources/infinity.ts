// Infinity datasources (yesoreyeram-infinity-datasource, backend parser): the browser interpolates the
// target's variables with format glob; the query then runs as the plugin's backend runs it (../infinity/).
import { INFINITY_TYPE } from "../../../../grafana/datasources.ts";
import type { Target } from "../dashboard-model.ts";
import { interpolateInfinityTarget, runInfinityQuery } from "../infinity/query.ts";
import type { InfinityTarget } from "../infinity/types.ts";
import type { DatasourceKind, QueryContext } from "./kind.ts";

const asBrowserSends = (target: Target, context: QueryContext): Target =>
  interpolateInfinityTarget(target as unknown as InfinityTarget, context.variables, context.range) as unknown as Target;

export const infinityKind: DatasourceKind = {
  type: INFINITY_TYPE,
  asBrowserSends,
  // Plain HTTP requests: nothing stays open between queries.
  open: (datasource, secrets) => ({
    run: async (target, context) => [
      await runInfinityQuery(
        { url: datasource.url, basicAuth: datasource.basicAuth, basicAuthUser: datasource.basicAuthUser, jsonData: datasource.jsonData, secrets },
        asBrowserSends(target, context) as unknown as InfinityTarget,
        { range: context.range, timeoutMs: context.deadlineMs },
      ),
    ],
    close: async () => {},
  }),
};
