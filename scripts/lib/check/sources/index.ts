// Every kind of datasource the check engine runs, registered once: a new kind is its file and a line here.
import type { DatasourceType } from "../../../../grafana/types.ts";
import { badInput } from "../../errors.ts";
import { infinityKind } from "./infinity.ts";
import type { DatasourceKind } from "./kind.ts";
import { postgresKind } from "./postgres.ts";
import { prometheusKind } from "./prometheus.ts";

const KINDS: readonly DatasourceKind[] = [postgresKind, infinityKind, prometheusKind];

/** The kind of a datasource type; a type the engine does not run is bad input. */
export function datasourceKind(type: DatasourceType | string): DatasourceKind {
  const kind = KINDS.find((k) => k.type === type);
  if (!kind) throw badInput(`the check engine runs no datasource of type ${type} (it runs ${KINDS.map((k) => k.type).join(", ")})`);
  return kind;
}
