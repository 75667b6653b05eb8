-- Naive event history, for `bun run bench` only (never a panel): the straightforward way a hand-made
-- dashboard writes it. One UNION ALL over whole tables, every order giving up to three events, filtered,
-- sorted and limited once at the end. Same columns as sql/panels/event-history.sql.
SELECT *
FROM (
  SELECT s."timestamp" AS "time", 'signal_received' AS event_type, 'model-service' AS service, s.asset::text AS asset,
         s.strategy_id || ': ' || s.side || ' at ' || s.price::text AS detail,
         s.signal_id::text AS signal_id, NULL::text AS order_id, s.model_version::text AS model_version, NULL::text AS subscription_id
  FROM trading_signals s
  UNION ALL
  SELECT o.created_at, 'order_created', 'order-manager', o.asset::text,
         lower(o.side) || ' ' || o.quantity::text || ' ' || o.order_type || ', now ' || o.status,
         o.signal_id::text, o.order_id::text, NULL, NULL
  FROM orders o
  UNION ALL
  SELECT o.executed_at, 'order_filled', 'order-manager', o.asset::text,
         lower(o.side) || ' ' || o.quantity::text || ' ' || o.order_type || ', ' || o.filled_quantity::text || ' filled',
         o.signal_id::text, o.order_id::text, NULL, NULL
  FROM orders o
  WHERE o.status IN ('filled', 'partially_filled')
  UNION ALL
  SELECT o.updated_at, 'order_' || o.status, 'order-manager', o.asset::text,
         lower(o.side) || ' ' || o.quantity::text || ' ' || o.order_type || coalesce(': ' || o.rejection_reason, ''),
         o.signal_id::text, o.order_id::text, NULL, NULL
  FROM orders o
  WHERE o.status IN ('cancelled', 'rejected')
  UNION ALL
  SELECT m.trained_at, 'model_trained', 'model-service', NULL, coalesce(m.strategy_id, 'no strategy') || ': ' || m.model_type,
         NULL, NULL, m.version::text, NULL
  FROM model_versions m
  UNION ALL
  SELECT m.updated_at, 'model_activated', 'model-service', NULL, coalesce(m.strategy_id, 'no strategy') || ': ' || m.model_type,
         NULL, NULL, m.version::text, NULL
  FROM model_versions m
  WHERE m.is_active
  UNION ALL
  SELECT sub.created_at, 'subscription_created', 'ws-gateway', sub.symbol::text, sub.channel_type || ' for ' || sub.requesting_service,
         NULL, NULL, NULL, sub.id::text
  FROM subscriptions sub
  UNION ALL
  SELECT sub.updated_at, 'subscription_cancelled', 'ws-gateway', sub.symbol::text, sub.channel_type || ' for ' || sub.requesting_service,
         NULL, NULL, NULL, sub.id::text
  FROM subscriptions sub
  WHERE NOT sub.is_active
) events
WHERE $__timeFilter("time")
  AND ('__all__' IN ($event_type) OR event_type IN ($event_type))
  AND ('__all__' IN ($service) OR service IN ($service))
ORDER BY "time" DESC
LIMIT 200
