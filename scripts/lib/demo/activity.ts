// The demo's live activity: writes what the real trading system writes (activity-steps.ts), at a
// configurable pace (1 = about one signal a second). One tick at a time: the next tick is scheduled only
// when the last one has finished, so a slow database slows the activity down instead of piling up ticks.
import type postgres from "postgres";
import type { DemoState } from "./state.ts";
import { NEWEST, closeAtHorizon, isNewestShape } from "./activity-newest.ts";
import { TRAINED_STRATEGIES, pick } from "./market.ts";
import {
  type EventPublisher,
  type Market,
  RATES,
  SECONDS,
  beginTraining,
  cancelStalePending,
  churnSubscriptions,
  decideOrder,
  dueOrders,
  emitSignal,
  ensureStartingState,
  finishTraining,
  movePrices,
  newMarket,
  retireModel,
  snapshotPositions,
  touchSubscriptions,
} from "./activity-steps.ts";

export interface ActivityOptions {
  sql: postgres.Sql;
  state: DemoState;
  publisher?: EventPublisher;
  /** 1 = realistic (about a signal a second, training hourly); 10 = ten times faster. */
  pace?: number;
  /** Called with every failed statement (`demo run` logs them). */
  onError?: (error: ActivityError) => void;
}

export interface ActivityError {
  message: string;
  at: Date;
}

export interface ActivityStats {
  signals: number;
  orders: number;
  fills: number;
  trainings: number;
  /** Statements that failed (a CHECK violated, say); the soak test expects none. */
  errorCount: number;
  /** The last MAX_KEPT_ERRORS of them. */
  errors: ActivityError[];
}

export interface Activity {
  stats: ActivityStats;
  /** Runs one model training now (what the hourly schedule does); resolves when it is recorded. */
  trainNow(strategy?: string): Promise<void>;
  /** Drops a strategy's active model now: its signals are warm-up signals until the next training. */
  retireNow(strategy: string): Promise<void>;
  /** Stops the ticks, and waits for the tick and the training in flight (a training still waiting for
   *  its result is abandoned, as when model-service stops). */
  stop(): Promise<void>;
}

const TICK_MS = 250;
export const MAX_KEPT_ERRORS = 50;
/** A tick that comes late (a slow database) makes up for at most this much time. */
const MAX_CATCH_UP_MS = 1000;

export async function startActivity(options: ActivityOptions): Promise<Activity> {
  const pace = options.pace ?? 1;
  const market: Market = newMarket(options.sql, options.state, pace, options.publisher, await isNewestShape(options.sql));
  const stats: ActivityStats = { signals: 0, orders: 0, fills: 0, trainings: 0, errorCount: 0, errors: [] };
  const syncCounts = () => Object.assign(stats, market.counts);
  const started = Date.now();
  const last = { tick: started, snapshot: started, training: started, churn: started, retire: started, horizon: started, sweep: 0 };
  let signalsDue = 0;
  let stopped = false;
  let timer: Timer | undefined;
  let ticking: Promise<void> = Promise.resolve();
  let training: Promise<void> | null = null;
  const wakers = new Set<() => void>();

  const guard = async (work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      const entry = { message: (error as Error).message, at: new Date() };
      stats.errorCount++;
      stats.errors.push(entry);
      if (stats.errors.length > MAX_KEPT_ERRORS) stats.errors.shift();
      options.onError?.(entry);
    } finally {
      syncCounts();
    }
  };

  /** Sleeps, or returns early (false) when the activity stops. */
  const pause = (ms: number) =>
    new Promise<boolean>((resolve) => {
      const wake = (completed: boolean) => {
        clearTimeout(timeout);
        wakers.delete(abort);
        resolve(completed);
      };
      const abort = () => wake(false);
      const timeout = setTimeout(() => wake(true), ms);
      wakers.add(abort);
    });

  const train = (strategy: string): Promise<void> => {
    if (training) return training;
    training = (async () => {
      const run = beginTraining(market, strategy);
      const completed = await pause((SECONDS.trainingTakes * 1000) / pace);
      await guard(() => finishTraining(market, run, completed));
    })().finally(() => {
      training = null;
    });
    return training;
  };

  const every = (key: keyof typeof last, seconds: number, now: number) => {
    if (now - last[key] <= (seconds * 1000) / pace) return false;
    last[key] = now;
    return true;
  };

  const tick = async () => {
    const now = Date.now();
    const elapsed = Math.min(now - last.tick, MAX_CATCH_UP_MS);
    last.tick = now;
    if (options.state.faults.databaseDown) return;
    movePrices(market);
    signalsDue += (pace * RATES.signalsPerSecond * elapsed) / 1000;
    for (; signalsDue >= 1; signalsDue--) await guard(() => emitSignal(market));
    for (const order of dueOrders(market, now)) await guard(() => decideOrder(market, order));
    if (now - last.sweep > 5000) {
      last.sweep = now;
      await guard(() => cancelStalePending(market));
      await guard(() => touchSubscriptions(market));
    }
    if (every("snapshot", SECONDS.snapshotEvery, now)) await guard(() => snapshotPositions(market));
    if (market.newest && every("horizon", NEWEST.horizonCloseEvery, now)) await guard(() => closeAtHorizon(market));
    if (every("churn", SECONDS.subscriptionChurn, now)) await guard(() => churnSubscriptions(market));
    if (every("retire", SECONDS.modelRetireEvery, now)) await guard(() => retireModel(market.sql, pick(TRAINED_STRATEGIES).id));
    if (!training && every("training", SECONDS.trainingEvery, now)) void train(pick(TRAINED_STRATEGIES).id);
  };

  const loop = () => {
    if (stopped) return;
    const began = Date.now();
    ticking = tick().finally(() => {
      if (!stopped) timer = setTimeout(loop, Math.max(0, TICK_MS - (Date.now() - began)));
    });
  };

  await guard(() => ensureStartingState(market.sql));
  timer = setTimeout(loop, TICK_MS);

  return {
    stats,
    trainNow: (strategy) => {
      const chosen = strategy ?? pick(TRAINED_STRATEGIES).id;
      // Started at once when nothing is training (status routes show it right away), else after it.
      return training ? training.then(() => train(chosen)) : train(chosen);
    },
    retireNow: (strategy) => retireModel(market.sql, strategy),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      for (const wake of [...wakers]) wake();
      await ticking;
      await training;
    },
  };
}

/**
 * A logger for activity errors that a broken database cannot flood: each message is logged the first
 * time, repeats within `windowMs` are only counted, and the count is logged with the next line.
 */
export function activityErrorLog(log: (line: string) => void, windowMs = 60_000): (error: ActivityError) => void {
  let lastMessage = "";
  let lastLoggedAt = 0;
  let repeats = 0;
  return ({ message, at }) => {
    if (message === lastMessage && at.getTime() - lastLoggedAt < windowMs) {
      repeats++;
      return;
    }
    const suppressed = repeats ? ` (the previous error repeated ${repeats} more time(s))` : "";
    log(`activity error: ${message}${suppressed}`);
    lastMessage = message;
    lastLoggedAt = at.getTime();
    repeats = 0;
  };
}
