// The bulk seed's models: weekly training per strategy. Version names are global (v1, v2, ... across
// strategies, as model-service numbers them) and the newest model of each strategy is the only active one.
import { type ModelType, QUALITY_METRICS, STRATEGIES, type Strategy, between, roundTo } from "./market.ts";
import { DAY, HOUR, utcText } from "./seed-clock.ts";

export interface ModelVersion {
  id: string;
  version: string;
  strategy: Strategy;
  modelType: ModelType;
  trainedAt: number;
  durationSeconds: number;
  datasetSize: number;
  active: boolean;
  /** When the next model of the strategy replaced it. */
  retiredAt: number | null;
}

export function planModels(start: number, end: number): ModelVersion[] {
  const planned: { strategy: Strategy; modelType: ModelType; trainedAt: number }[] = [];
  STRATEGIES.forEach((strategy, index) => {
    if (!strategy.modelType) return;
    // The first model comes a day or two into the history: earlier signals of the strategy are warm-up.
    for (let week = start + (1 + index / 2) * DAY; week < end; week += 7 * DAY) {
      const trainedAt = Math.round(week + between(0, 6) * HOUR);
      if (trainedAt < end) planned.push({ strategy, modelType: strategy.modelType, trainedAt });
    }
  });
  planned.sort((a, b) => a.trainedAt - b.trainedAt);
  const models = planned.map((plan, index) => ({
    ...plan,
    id: crypto.randomUUID(),
    version: `v${index + 1}`,
    durationSeconds: Math.round(between(20, 400)),
    datasetSize: Math.round(between(5_000, 50_000)),
    active: false,
    retiredAt: null as number | null,
  }));
  for (const strategy of STRATEGIES) {
    const own = models.filter((model) => model.strategy === strategy);
    own.forEach((model, index) => (model.retiredAt = own[index + 1]?.trainedAt ?? null));
    const newest = own.at(-1);
    if (newest) newest.active = true;
  }
  return models;
}

/** The model a strategy used at a time; times must be asked in increasing order (signals are generated
 *  chronologically), so each lookup is O(1). */
export function activeModels(models: ModelVersion[]) {
  const byStrategy = new Map(STRATEGIES.map((s) => [s, models.filter((m) => m.strategy === s)]));
  const next = new Map(STRATEGIES.map((s) => [s, 0]));
  return (strategy: Strategy, at: number): string | null => {
    const own = byStrategy.get(strategy)!;
    let index = next.get(strategy)!;
    while (index < own.length && own[index]!.trainedAt <= at) index++;
    next.set(strategy, index);
    return index === 0 ? null : own[index - 1]!.version;
  };
}

export function modelRows(models: ModelVersion[]) {
  return models.map((m) => [
    m.id, m.version, `/models/${m.strategy.id}/${m.version}.pkl`, m.modelType, m.strategy.id, utcText(m.trainedAt),
    m.durationSeconds, m.datasetSize, { learning_rate: 0.1, max_depth: 6, lookback_minutes: 60 }, m.active,
    // Never true in practice: warm-up means "no active model".
    false, utcText(m.trainedAt), utcText(m.retiredAt ?? m.trainedAt),
  ]);
}
export const MODEL_COLUMNS = [
  "id", "version", "file_path", "model_type", "strategy_id", "trained_at", "training_duration_seconds",
  "training_dataset_size", "training_config", "is_active", "is_warmup_mode", "created_at", "updated_at",
] as const;

/** About a dozen metrics per training, on the test split, as model-service records them. */
export function metricRows(models: ModelVersion[]) {
  return models.flatMap((m) =>
    QUALITY_METRICS.map(([name, type, low, high]) => [
      m.id, name, roundTo(between(low, high), 8), type, utcText(m.trainedAt + m.durationSeconds * 1000),
      Math.round(m.datasetSize * 0.2), { dataset_split: "test" },
    ]),
  );
}
export const METRIC_COLUMNS = [
  "model_version_id", "metric_name", "metric_value", "metric_type", "evaluated_at", "evaluation_dataset_size", "metadata",
] as const;
