// The demo's market and the constants of its services: assets, strategies, fees, rejection reasons and
// quality metrics. One definition for the live activity, the bulk seed and the RabbitMQ traffic.

interface Market {
  base: number;
  priceDigits: number;
  quantityDigits: number;
  /** Shifts the asset's price waves so that assets do not move in lockstep. */
  phase: number;
}

export const MARKETS = {
  BTCUSDT: { base: 97_000, priceDigits: 2, quantityDigits: 6, phase: 0 },
  ETHUSDT: { base: 3_400, priceDigits: 2, quantityDigits: 4, phase: 1.3 },
  SOLUSDT: { base: 190, priceDigits: 3, quantityDigits: 2, phase: 2.1 },
  XRPUSDT: { base: 2.3, priceDigits: 4, quantityDigits: 1, phase: 3.7 },
} as const satisfies Record<string, Market>;
export type Asset = keyof typeof MARKETS;

export type ModelType = "xgboost" | "random_forest" | "logistic_regression" | "sgd_classifier";

export interface Strategy {
  id: string;
  /** Share of all signals. */
  share: number;
  assets: readonly Asset[];
  /** null: never trained, so every signal of it is a warm-up signal. */
  modelType: ModelType | null;
}

export const STRATEGIES: readonly Strategy[] = [
  { id: "momentum_v1", share: 0.35, assets: ["BTCUSDT", "ETHUSDT", "SOLUSDT"], modelType: "xgboost" },
  { id: "mean_reversion", share: 0.3, assets: ["BTCUSDT", "ETHUSDT", "XRPUSDT"], modelType: "random_forest" },
  { id: "breakout_scalper", share: 0.25, assets: ["SOLUSDT", "XRPUSDT", "ETHUSDT"], modelType: "logistic_regression" },
  { id: "funding_carry", share: 0.1, assets: ["BTCUSDT", "ETHUSDT"], modelType: null },
];

export const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
export const between = (low: number, high: number) => low + Math.random() * (high - low);
export const roundTo = (value: number, digits: number) => Number(value.toFixed(digits));

export const ASSET_NAMES = Object.keys(MARKETS) as Asset[];
/** Strategies that model-service trains; the others stay in warm-up (no active model) for ever. */
export const TRAINED_STRATEGIES = STRATEGIES.filter((s) => s.modelType !== null);

/** A strategy drawn by its share of all signals. */
export function drawStrategy(roll = Math.random()): Strategy {
  for (const strategy of STRATEGIES) {
    if (roll < strategy.share) return strategy;
    roll -= strategy.share;
  }
  return STRATEGIES[0]!;
}

/** Bybit's taker (Market) and maker (Limit) fee rates. */
export const FEE_RATE = { Market: 0.00055, Limit: 0.0002 } as const;

/** Why order-manager rejects an order before it reaches the exchange. */
export const REJECTION_REASONS = [
  "Insufficient balance",
  "Risk limit exceeded: max position size",
  "Order size below minimum",
  "Exchange error 110007: available balance not enough",
] as const;

export type MetricType = "classification" | "regression" | "trading_performance";

/** About a dozen metrics per training, on the test split, as model-service records them: name, type and
 *  a plausible range. */
export const QUALITY_METRICS: readonly [name: string, type: MetricType, low: number, high: number][] = [
  ["accuracy", "classification", 0.5, 0.7],
  ["precision", "classification", 0.5, 0.75],
  ["recall", "classification", 0.45, 0.7],
  ["f1_score", "classification", 0.45, 0.7],
  ["roc_auc", "classification", 0.55, 0.8],
  ["mse", "regression", 0.1, 0.3],
  ["win_rate", "trading_performance", 0.45, 0.65],
  ["total_pnl", "trading_performance", -500, 2500],
  ["avg_pnl", "trading_performance", -2, 8],
  ["sharpe_ratio", "trading_performance", -0.5, 2.5],
  ["profit_factor", "trading_performance", 0.8, 2.2],
  ["max_drawdown", "trading_performance", 0.02, 0.25],
];

export type ChannelType = "trades" | "ticker" | "orderbook" | "order" | "balance" | "position" | "kline" | "liquidation" | "funding";

export interface SubscriptionStart {
  channel: ChannelType;
  /** NULL for balance, position and liquidation; '*' for order-manager's order channel. */
  symbol: string | null;
  topic: string;
  service: string;
  /** Cancelled a while ago (the bulk seed's history keeps it, inactive); a fresh gateway lacks it. */
  cancelled?: boolean;
}

/** ws-gateway's subscriptions as the services request them: what the live activity starts with (the
 *  active ones) and what the bulk seed writes. */
export const SUBSCRIPTIONS: readonly SubscriptionStart[] = [
  { channel: "order", symbol: "*", topic: "order", service: "order-manager" },
  { channel: "position", symbol: null, topic: "position", service: "position-manager" },
  { channel: "balance", symbol: null, topic: "wallet", service: "order-manager" },
  ...ASSET_NAMES.flatMap((asset): SubscriptionStart[] => [
    { channel: "ticker", symbol: asset, topic: `tickers.${asset}`, service: "model-service" },
    { channel: "trades", symbol: asset, topic: `publicTrade.${asset}`, service: "model-service" },
    { channel: "orderbook", symbol: asset, topic: `orderbook.50.${asset}`, service: "model-service" },
    { channel: "kline", symbol: asset, topic: `kline.1.${asset}`, service: "model-service", cancelled: true },
  ]),
  { channel: "liquidation", symbol: null, topic: "liquidation", service: "position-manager", cancelled: true },
];
