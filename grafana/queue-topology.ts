// The trading system's RabbitMQ queues as its services use them (docs: source-system, "RabbitMQ topology"):
// which service consumes each, and which have no consumer by design. The queue panel and the queue alerts
// read it, so that both say the same about a queue without a consumer.

/** Queues that have no consumer in the real system by design: marked as such, never flagged as lagging. */
export const QUEUES_WITHOUT_CONSUMER_BY_DESIGN = [
  "ws-gateway.balance",
  "ws-gateway.liquidation",
  "position-manager.portfolio_updated",
  "position-manager.position_snapshot_created",
] as const;

/** The service that consumes each queue: the one whose outage backs the queue up. */
export const QUEUE_CONSUMERS: Readonly<Record<string, "model-service" | "order-manager" | "position-manager">> = {
  "ws-gateway.trade": "model-service",
  "ws-gateway.ticker": "model-service",
  "ws-gateway.orderbook": "model-service",
  "ws-gateway.kline": "model-service",
  "ws-gateway.funding": "model-service",
  "ws-gateway.order": "order-manager",
  "ws-gateway.position": "position-manager",
  "model-service.trading_signals": "order-manager",
  "order-manager.order_events": "position-manager",
  "position-manager.position_updated": "model-service",
  "features.live": "model-service",
  "features.dataset.ready": "model-service",
};
