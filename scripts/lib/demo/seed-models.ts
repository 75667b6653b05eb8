// The seeded models: weekly training per strategy for the bulk seed, the live activity's hourly schedule
// for the backfill. Version names are global (v1, v2, ... across strategies, as model-service numbers
// them) and at most one model per strategy is active: its newest, unless it was dropped.
import { type ModelType, QUALITY_METRICS, STRATEGIES, type Strategy, TRAINED_STRATEGIES, between, pick, roundTo } from "./market.ts";
import { SECONDS } from "./activity-steps.ts";
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
  /** When its quality metrics were recorded. */
  evaluatedAt: number;
  /** When the next model of the strategy replaced it, or it was dropped. */
  retiredAt: number | null;
}

interface Training {
  strategy: Strategy;
  modelType: ModelType;
  trainedAt: number;
  /** Metrics recorded this long after trained_at (the live activity records both at once). */
  evaluationDelay: boolean;
}

/** The bulk seed's schedule: each trained strategy weekly, its first model a day or two into the history
 *  (earlier signals of the strategy are warm-up). */
export function planModels(start: number, end: number): ModelVersion[] {
  const planned: Training[] = [];
  STRATEGIES.forEach((strategy, index) => {
    if (!strategy.modelType) return;
    for (let week = start + (1 + index / 2) * DAY; week < end; week += 7 * DAY) {
      const trainedAt = Math.round(week + between(0, 6) * HOUR);
      if (trainedAt < end) planned.push({ strategy, modelType: strategy.modelType, trainedAt, evaluationDelay: true });
    }
  });
  return versions(planned, []);
}

/** The live activity's schedule, as if it had started at `start`: every hour one strategy trained (the
 *  model recorded when the training ends), and every hour and a half one strategy's model dropped, so
 *  that its signals are warm-up until its next training. */
export function planLiveModels(start: number, end: number): ModelVersion[] {
  const planned: Training[] = [];
  for (let at = start + SECONDS.trainingEvery * 1000; at + SECONDS.trainingTakes * 1000 < end; at += SECONDS.trainingEvery * 1000) {
    const strategy = pick(TRAINED_STRATEGIES);
    planned.push({ strategy, modelType: strategy.modelType!, trainedAt: at + SECONDS.trainingTakes * 1000, evaluationDelay: false });
  }
  const retirements: Retirement[] = [];
  for (let at = start + SECONDS.modelRetireEvery * 1000; at < end; at += SECONDS.modelRetireEvery * 1000) {
    retirements.push({ strategy: pick(TRAINED_STRATEGIES), at });
  }
  return versions(planned, retirements);
}

interface Retirement {
  strategy: Strategy;
  at: number;
}

/** Versions named in training order (v1, v2, ... across strategies, as model-service numbers them); a
 *  model retires when the next model of its strategy replaces it or when it is dropped, and a strategy's
 *  newest model is active unless it was dropped. */
function versions(planned: Training[], retirements: Retirement[]): ModelVersion[] {
  planned.sort((a, b) => a.trainedAt - b.trainedAt);
  const models = planned.map(({ evaluationDelay, ...plan }, index): ModelVersion => {
    const durationSeconds = Math.round(between(20, 400));
    return {
      ...plan,
      id: crypto.randomUUID(),
      version: `v${index + 1}`,
      durationSeconds,
      datasetSize: Math.round(between(5_000, 50_000)),
      evaluatedAt: plan.trainedAt + (evaluationDelay ? durationSeconds * 1000 : 0),
      active: false,
      retiredAt: null,
    };
  });
  for (const strategy of STRATEGIES) {
    const own = models.filter((model) => model.strategy === strategy);
    own.forEach((model, index) => {
      const replacedAt = own[index + 1]?.trainedAt ?? Infinity;
      const dropped = retirements.find((r) => r.strategy === strategy && r.at > model.trainedAt && r.at < replacedAt);
      const retiredAt = Math.min(replacedAt, dropped?.at ?? Infinity);
      model.retiredAt = Number.isFinite(retiredAt) ? retiredAt : null;
    });
    const newest = own.at(-1);
    if (newest && newest.retiredAt === null) newest.active = true;
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
    const model = own[index - 1];
    // A dropped model leaves the strategy without one (warm-up) until its next training.
    return model && (model.retiredAt === null || at < model.retiredAt) ? model.version : null;
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
      m.id, name, roundTo(between(low, high), 8), type, utcText(m.evaluatedAt),
      Math.round(m.datasetSize * 0.2), { dataset_split: "test" },
    ]),
  );
}
export const METRIC_COLUMNS = [
  "model_version_id", "metric_name", "metric_value", "metric_type", "evaluated_at", "evaluation_dataset_size", "metadata",
] as const;
