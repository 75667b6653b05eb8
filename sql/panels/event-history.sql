-- Event history (US7, FR-019): the last 200 key events, newest first, whatever the dashboard's time range (the
-- spec's "prioritizing quantity"; the range drives the time series). The system keeps no event log, so events
-- are read from the tables that record them. Each kind of event is its own newest 200 on an indexed column
-- before the final merge, so a frequent kind (orders created) never pushes a rarer one (cancellations) out,
-- and no table is read whole; a kind that the event type or service variable leaves out folds away when the
-- plan is made ('__all__' is a variable set to All).
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
  FROM trading_signals s
  WHERE ('__all__' IN ($event_type) OR 'signal_received' IN ($event_type))
    AND ('__all__' IN ($service) OR 'model-service' IN ($service))
  ORDER BY s."timestamp" DESC
  LIMIT 200
), order_events AS (
  -- One newest 200 per kind of order event, each on the orders' (created_at) index (the partial ones of
  -- sql/indexes.sql serve the filled, cancelled and rejected kinds). An order closes within 5 minutes of its
  -- creation (a pending one is cancelled then), so its creation orders its fill and its cancellation too.
  (SELECT o.created_at AS "time", 'order_created'::text AS event_type, o.status AS status_now, o.*
   FROM orders o
   WHERE ('__all__' IN ($event_type) OR 'order_created' IN ($event_type))
     AND ('__all__' IN ($service) OR 'order-manager' IN ($service))
   ORDER BY o.created_at DESC
   LIMIT 200)
  UNION ALL
  (SELECT o.executed_at, 'order_filled', o.status, o.*
   FROM orders o
   WHERE o.status IN ('filled', 'partially_filled') AND o.executed_at IS NOT NULL
     AND ('__all__' IN ($event_type) OR 'order_filled' IN ($event_type))
     AND ('__all__' IN ($service) OR 'order-manager' IN ($service))
   ORDER BY o.created_at DESC
   LIMIT 200)
  UNION ALL
  (SELECT o.updated_at, 'order_cancelled', o.status, o.*
   FROM orders o
   WHERE o.status = 'cancelled'
     AND ('__all__' IN ($event_type) OR 'order_cancelled' IN ($event_type))
     AND ('__all__' IN ($service) OR 'order-manager' IN ($service))
   ORDER BY o.created_at DESC
   LIMIT 200)
  UNION ALL
  (SELECT o.updated_at, 'order_rejected', o.status, o.*
   FROM orders o
   WHERE o.status = 'rejected'
     AND ('__all__' IN ($event_type) OR 'order_rejected' IN ($event_type))
     AND ('__all__' IN ($service) OR 'order-manager' IN ($service))
   ORDER BY o.created_at DESC
   LIMIT 200)
), model_events AS (
  -- Model training from model_versions: completed at trained_at, started training_duration_seconds before it
  -- (where recorded), each the newest 200 on the (trained_at DESC) index. A training in progress has no row
  -- yet: the monitor's model_training_started (below) shows it.
  (SELECT m.trained_at AS "time", 'model_training_completed'::text AS event_type, m.*
   FROM model_versions m
   WHERE '__all__' IN ($event_type) OR 'model_training_completed' IN ($event_type)
   ORDER BY m.trained_at DESC
   LIMIT 200)
  UNION ALL
  (SELECT m.trained_at - make_interval(secs => m.training_duration_seconds), 'model_training_started', m.*
   FROM model_versions m
   WHERE m.training_duration_seconds IS NOT NULL
     AND ('__all__' IN ($event_type) OR 'model_training_started' IN ($event_type))
   ORDER BY m.trained_at DESC
   LIMIT 200)
  UNION ALL
  -- Activation sets is_active and updated_at; only the active model still shows when it was activated.
  SELECT m.updated_at, 'model_activated', m.*
  FROM model_versions m
  WHERE m.is_active
), subscription_events AS (
  -- WebSocket subscriptions created and cancelled (a small table: a row per channel and symbol).
  (SELECT sub.created_at AS "time", 'subscription_created'::text AS event_type, sub.*
   FROM subscriptions sub
   ORDER BY sub.created_at DESC
   LIMIT 200)
  UNION ALL
  -- An inactive row's updated_at is its cancellation time (an active row's is bumped by market data).
  (SELECT sub.updated_at, 'subscription_cancelled', sub.*
   FROM subscriptions sub
   WHERE NOT sub.is_active
   ORDER BY sub.updated_at DESC
   LIMIT 200)
), monitor_events AS (
  -- ===== The monitor's state changes (bun run monitor, MONITORING_SCHEMA's events table) =====
  -- Services healthy/degraded/unhealthy/unreachable, the exchange link's connection state (connected/
  -- disconnected/connecting/reconnecting: FR-019's connection state changes), training started/completed:
  -- the newest 200 by occurred_at's index. A training model_versions records (above) is shown once, from
  -- there: its completion always, its start where the duration is recorded. The schema is the default name:
  -- the role step creates it, and this table, in every database it runs on.
  SELECT e.occurred_at AS "time", e.event_type, e.service, e.detail, e.model_version
  FROM monitoring.monitor_events e
  WHERE ('__all__' IN ($event_type) OR e.event_type IN ($event_type))
    AND ('__all__' IN ($service) OR e.service IN ($service))
    AND NOT EXISTS (
      SELECT 1 FROM model_versions m
      WHERE m.version = e.model_version
        AND (e.event_type = 'model_training_completed' OR (e.event_type = 'model_training_started' AND m.training_duration_seconds IS NOT NULL)))
  ORDER BY e.occurred_at DESC
  LIMIT 200
  -- ===== end of the monitor's state changes =====
), events AS (
  SELECT * FROM signal_events
  UNION ALL
  SELECT o."time", o.event_type, 'order-manager', o.asset::text,
         lower(o.side) || ' ' || o.quantity::text || ' ' || o.order_type ||
           CASE o.event_type
             WHEN 'order_filled' THEN ', ' || o.filled_quantity::text || ' filled at ' || coalesce(o.average_price::text, '?')
             WHEN 'order_rejected' THEN coalesce(': ' || nullif(o.rejection_reason, ''), '')
             WHEN 'order_created' THEN ', now ' || replace(o.status_now, '_', ' ')
             ELSE ''
           END,
         o.signal_id::text, o.order_id::text, NULL, NULL
  FROM order_events o
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
ORDER BY "time" DESC
LIMIT 200
