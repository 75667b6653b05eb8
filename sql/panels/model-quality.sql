-- Model quality (US3): per strategy, the latest metrics of its active model (win rate, accuracy, total
-- PnL as model-service evaluated them) and how its orders of the last hour of the range fared: orders,
-- filled, fill rate. The last hour, not the whole range: orders carry no strategy, so each must be joined
-- to its signal, and at the real system's peak a day holds 100,000 orders; joining them on every refresh
-- of every viewer was most of the dashboard's cost (docs/performance.md). An hour shows how each model's
-- orders fare now; the range's orders, hour by hour, are in "Orders per hour". Realized PnL from
-- execution_events (whole range) counts only where performance.realized_pnl is numeric (FR-005); it has
-- always been null in the real system, so that column is empty unless something writes it again.
-- A strategy has a row per active model (per symbol in the newest shape, "all" for a model of every
-- symbol); its orders are the strategy's (orders carry no symbol's model), shown on its first row only.
-- The latest metric prefers the test split (training saves validation and test rows under one name).
WITH active AS (
  SELECT m.id, m.strategy_id, m.version, m.symbol
  FROM monitoring.model_versions m
  WHERE m.is_active AND m.strategy_id IS NOT NULL
), latest AS (
  SELECT DISTINCT ON (q.model_version_id, q.metric_name) q.model_version_id, q.metric_name, q.metric_value
  FROM monitoring.model_quality_metrics q
  JOIN active a ON a.id = q.model_version_id
  ORDER BY q.model_version_id, q.metric_name, q.dataset_split IS DISTINCT FROM 'test', q.evaluated_at DESC
), last_hour AS (
  SELECT greatest($__timeFrom()::timestamp, $__timeTo()::timestamp - interval '1 hour') AS since, $__timeTo()::timestamp AS until
), order_signals AS (
  -- orders has no strategy: it is the signal's. An order follows its signal within seconds, so the signals
  -- of the hour (and 5 minutes before) are read in one index range and joined by hash, instead of one
  -- lookup per order; an order whose signal is older still (a backlog) is looked up by id below.
  SELECT o.signal_id, o.status, s.strategy_id
  FROM last_hour w
  JOIN monitoring.orders o ON o.created_at BETWEEN w.since AND w.until
  LEFT JOIN monitoring.trading_signals s
    ON s.signal_id = o.signal_id AND s."timestamp" BETWEEN w.since - interval '5 minutes' AND w.until
), late_signals AS (
  SELECT s.signal_id, s.strategy_id
  FROM monitoring.trading_signals s
  WHERE s.signal_id = ANY (ARRAY(SELECT os.signal_id FROM order_signals os WHERE os.strategy_id IS NULL))
), hour_orders AS (
  -- Orders whose signal is not in trading_signals count for no strategy, as an inner join leaves them.
  SELECT coalesce(os.strategy_id, l.strategy_id) AS strategy_id,
         count(*)::int AS orders,
         (count(*) FILTER (WHERE os.status IN ('filled', 'partially_filled')))::int AS filled
  FROM order_signals os
  LEFT JOIN late_signals l ON os.strategy_id IS NULL AND l.signal_id = os.signal_id
  WHERE coalesce(os.strategy_id, l.strategy_id) IS NOT NULL
  GROUP BY 1
), range_pnl AS (
  SELECT e.strategy_id, sum((e.performance ->> 'realized_pnl')::numeric) AS realized_pnl
  FROM monitoring.execution_events e
  WHERE $__timeFilter(e.executed_at) AND jsonb_typeof(e.performance -> 'realized_pnl') = 'number'
  GROUP BY e.strategy_id
), strategies AS (
  SELECT strategy_id FROM active UNION SELECT strategy_id FROM hour_orders
)
SELECT st.strategy_id,
       coalesce(a.symbol, 'all') AS symbol,
       coalesce(a.version, 'none') AS active_version,
       max(l.metric_value) FILTER (WHERE l.metric_name = 'win_rate') AS win_rate,
       max(l.metric_value) FILTER (WHERE l.metric_name = 'accuracy') AS accuracy,
       max(l.metric_value) FILTER (WHERE l.metric_name = 'total_pnl') AS model_total_pnl,
       CASE WHEN row_number() OVER (PARTITION BY st.strategy_id ORDER BY a.symbol NULLS FIRST) = 1 THEN coalesce(max(r.orders), 0) END AS orders_last_hour,
       CASE WHEN row_number() OVER (PARTITION BY st.strategy_id ORDER BY a.symbol NULLS FIRST) = 1 THEN coalesce(max(r.filled), 0) END AS filled_last_hour,
       CASE WHEN row_number() OVER (PARTITION BY st.strategy_id ORDER BY a.symbol NULLS FIRST) = 1 THEN round(max(r.filled)::numeric / nullif(max(r.orders), 0), 4) END AS fill_rate_last_hour,
       CASE WHEN row_number() OVER (PARTITION BY st.strategy_id ORDER BY a.symbol NULLS FIRST) = 1 THEN max(p.realized_pnl) END AS realized_pnl
FROM strategies st
LEFT JOIN active a ON a.strategy_id = st.strategy_id
LEFT JOIN latest l ON l.model_version_id = a.id
LEFT JOIN hour_orders r ON r.strategy_id = st.strategy_id
LEFT JOIN range_pnl p ON p.strategy_id = st.strategy_id
WHERE '__all__' IN ($strategy) OR st.strategy_id IN ($strategy)
GROUP BY st.strategy_id, a.version, a.symbol
ORDER BY st.strategy_id, a.symbol NULLS FIRST
