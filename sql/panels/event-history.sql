-- Event history (US7): the last 200 key events in the range, newest first. The system keeps no event log,
-- so events are read from the tables that record them. Each source is limited to 200 rows on an indexed
-- column inside the range before the union, so no table is ever read whole; a source that the event type or
-- service variable leaves out folds away when the plan is made ('__all__' is a variable set to All).
-- Rejected signals (the newest shape stores one on most inferences) are signal_rejected events, on the
-- (is_rejected, timestamp) index, so that they never use up signal_received's 200.
WITH signal_events AS (
  SELECT s."timestamp" AS "time",
         'signal_received'::text AS event_type,
         'model-service'::text AS service,
         s.asset::text AS asset,
         s.strategy_id || ': ' || s.side || ' at ' || s.price::text ||
           coalesce(', confidence ' || s.confidence::text, '') || CASE WHEN s.is_warmup THEN ', warm-up' ELSE '' END AS detail,
         s.signal_id::text AS signal_id,
         NULL::text AS order_id,
         s.model_version::text AS model_version,
         NULL::text AS subscription_id
  FROM monitoring.trading_signals s
  WHERE $__timeFilter(s."timestamp") AND NOT s.is_rejected
    AND ('__all__' IN ($event_type) OR 'signal_received' IN ($event_type))
    AND ('__all__' IN ($service) OR 'model-service' IN ($service))
  ORDER BY s."timestamp" DESC
  LIMIT 200
), rejected_signal_events AS (
  SELECT s."timestamp" AS "time",
         'signal_rejected'::text AS event_type,
         'model-service'::text AS service,
         s.asset::text AS asset,
         s.strategy_id || ': ' || s.side || ', ' || coalesce(s.rejection_reason, 'no reason recorded') ||
           coalesce(', confidence ' || s.confidence::text, '') || coalesce(' < ' || s.effective_threshold::text, '') AS detail,
         s.signal_id::text AS signal_id,
         NULL::text AS order_id,
         s.model_version::text AS model_version,
         NULL::text AS subscription_id
  FROM monitoring.trading_signals s
  WHERE s.is_rejected AND $__timeFilter(s."timestamp")
    AND ('__all__' IN ($event_type) OR 'signal_rejected' IN ($event_type))
    AND ('__all__' IN ($service) OR 'model-service' IN ($service))
  ORDER BY s."timestamp" DESC
  LIMIT 200
), position_events AS (
  -- A position closed (its row kept, or its close in closed_positions): monitoring.positions.
  SELECT p.closed_at AS "time",
         'position_closed'::text AS event_type,
         'position-manager'::text AS service,
         p.asset::text AS asset,
         p.mode || coalesce(', exit ' || p.exit_price::text, '') || coalesce(', realized PnL ' || p.realized_pnl::text, '') ||
           CASE WHEN p.realized_pnl_basis = 'cumulative' THEN ' (cumulative)' ELSE '' END AS detail,
         NULL::text AS signal_id,
         NULL::text AS order_id,
         NULL::text AS model_version,
         NULL::text AS subscription_id
  FROM monitoring.positions p
  WHERE NOT p.is_open AND $__timeFilter(p.closed_at)
    AND ('__all__' IN ($event_type) OR 'position_closed' IN ($event_type))
    AND ('__all__' IN ($service) OR 'position-manager' IN ($service))
  ORDER BY p.closed_at DESC
  LIMIT 200
), range_orders AS (
  -- Orders close within 5 minutes of creation (pending ones are cancelled then), so every order event of
  -- the range belongs to an order created in it or up to 5 minutes before. Only the kinds selected count.
  SELECT o.*
  FROM monitoring.orders o
  WHERE o.created_at BETWEEN $__timeFrom()::timestamp - interval '5 minutes' AND $__timeTo()
    AND ('__all__' IN ($service) OR 'order-manager' IN ($service))
    AND ('__all__' IN ($event_type) OR 'order_created' IN ($event_type)
         OR (o.status IN ('filled', 'partially_filled') AND 'order_filled' IN ($event_type))
         OR (o.status = 'cancelled' AND 'order_cancelled' IN ($event_type))
         OR (o.status = 'rejected' AND 'order_rejected' IN ($event_type)))
  ORDER BY o.created_at DESC
  LIMIT 200
), order_events AS (
  SELECT o.created_at AS "time", 'order_created'::text AS event_type, o.status AS status_now, o.*
  FROM range_orders o
  UNION ALL
  SELECT o.executed_at, 'order_filled', o.status, o.*
  FROM range_orders o
  WHERE o.status IN ('filled', 'partially_filled') AND o.executed_at IS NOT NULL
  UNION ALL
  SELECT o.updated_at, 'order_' || o.status, o.status, o.*
  FROM range_orders o
  WHERE o.status IN ('cancelled', 'rejected')
), model_events AS (
  (SELECT m.trained_at AS "time", 'model_trained'::text AS event_type, m.*
   FROM monitoring.model_versions m
   WHERE $__timeFilter(m.trained_at)
   ORDER BY m.trained_at DESC
   LIMIT 200)
  UNION ALL
  -- Activation sets is_active and updated_at; only the active model still shows when it was activated.
  SELECT m.updated_at, 'model_activated', m.*
  FROM monitoring.model_versions m
  WHERE m.is_active AND $__timeFilter(m.updated_at)
), subscription_events AS (
  (SELECT sub.created_at AS "time", 'subscription_created'::text AS event_type, sub.*
   FROM monitoring.subscriptions sub
   WHERE $__timeFilter(sub.created_at)
   ORDER BY sub.created_at DESC
   LIMIT 200)
  UNION ALL
  -- An inactive row's updated_at is its cancellation time (an active row's is bumped by market data).
  (SELECT sub.updated_at, 'subscription_cancelled', sub.*
   FROM monitoring.subscriptions sub
   WHERE NOT sub.is_active AND $__timeFilter(sub.updated_at)
   ORDER BY sub.updated_at DESC
   LIMIT 200)
), monitor_events AS (
  -- ===== The monitor's state changes (bun run monitor, MONITORING_SCHEMA's events table) =====
  -- Services healthy/degraded/unhealthy/unreachable, the exchange link connected/disconnected/connecting/
  -- reconnecting, training started/completed: the newest 200 of the range by occurred_at's index. The
  -- schema is the default name: the role step creates it, and this table, in every database it runs on.
  SELECT e.occurred_at AS "time", e.event_type, e.service, e.detail, e.model_version
  FROM monitoring.monitor_events e
  WHERE $__timeFilter(e.occurred_at)
    AND ('__all__' IN ($event_type) OR e.event_type IN ($event_type))
    AND ('__all__' IN ($service) OR e.service IN ($service))
  ORDER BY e.occurred_at DESC
  LIMIT 200
  -- ===== end of the monitor's state changes =====
), events AS (
  SELECT * FROM signal_events
  UNION ALL
  SELECT * FROM rejected_signal_events
  UNION ALL
  SELECT * FROM position_events
  UNION ALL
  SELECT o."time", o.event_type, 'order-manager', o.asset::text,
         lower(o.side) || ' ' || o.quantity::text || ' ' || o.order_type ||
           CASE o.event_type
             WHEN 'order_filled' THEN ', ' || o.filled_quantity::text || ' filled at ' || coalesce(o.average_price::text, '?')
             WHEN 'order_rejected' THEN ': ' || coalesce(nullif(o.rejection_reason, ''), 'no reason recorded')
             WHEN 'order_created' THEN ', now ' || o.status_now
             ELSE ''
           END,
         o.signal_id::text, o.order_id::text, NULL, NULL
  FROM order_events o
  WHERE '__all__' IN ($event_type) OR o.event_type IN ($event_type)
  UNION ALL
  SELECT m."time", m.event_type, 'model-service', NULL,
         coalesce(m.strategy_id, 'no strategy') || ': ' || m.model_type ||
           coalesce(', ' || m.training_dataset_size::text || ' samples', '') ||
           coalesce(', ' || m.training_duration_seconds::text || ' s', ''),
         NULL, NULL, m.version::text, NULL
  FROM model_events m
  WHERE ('__all__' IN ($event_type) OR m.event_type IN ($event_type))
    AND ('__all__' IN ($service) OR 'model-service' IN ($service))
  UNION ALL
  SELECT sub."time", sub.event_type, 'ws-gateway', sub.symbol::text,
         sub.channel_type || coalesce(' ' || sub.symbol, '') || ' for ' || sub.requesting_service,
         NULL, NULL, NULL, sub.id::text
  FROM subscription_events sub
  WHERE ('__all__' IN ($event_type) OR sub.event_type IN ($event_type))
    AND ('__all__' IN ($service) OR 'ws-gateway' IN ($service))
  UNION ALL
  -- The monitor's state changes (the monitor_events block above).
  SELECT m."time", m.event_type, m.service, NULL, m.detail, NULL, NULL, m.model_version, NULL
  FROM monitor_events m
)
SELECT * FROM events
WHERE $__timeFilter("time")
ORDER BY "time" DESC
LIMIT 200
