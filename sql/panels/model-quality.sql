-- Model quality (US3, SC-006): per strategy, the latest metrics of its active model (win rate, accuracy,
-- total PnL as model-service evaluated them) and how its orders of the range fared: orders, filled, fill
-- rate. Orders carry no strategy, so each is joined to its signal: at the real system's peak a day holds
-- 100,000 orders, which makes this the costliest panel (docs/performance.md). Realized PnL from
-- execution_events (the range) counts only where performance.realized_pnl is numeric (FR-005); it has
-- always been null in the real system, so that column is empty unless something writes it again.
WITH active AS (
  SELECT m.id, m.strategy_id, m.version
  FROM model_versions m
  WHERE m.is_active AND m.strategy_id IS NOT NULL
), latest AS (
  -- The latest value of each metric. Evaluations of the same version at the same time on different splits
  -- (metadata.dataset_split) rank test, then validation, then train, then any other or none, then by id:
  -- the same row wins every time.
  SELECT DISTINCT ON (q.model_version_id, q.metric_name) q.model_version_id, q.metric_name, q.metric_value
  FROM model_quality_metrics q
  JOIN active a ON a.id = q.model_version_id
  ORDER BY q.model_version_id, q.metric_name, q.evaluated_at DESC,
           array_position(ARRAY['test', 'validation', 'train'], q.metadata ->> 'dataset_split') NULLS LAST, q.id
), matched AS (
  -- orders has no strategy: it is the signal's. An order follows its signal within seconds, so the signals
  -- of the range (and 5 minutes before) are read in one index range and joined by hash, instead of one
  -- lookup per order. Grouped by that strategy alone (a handful of groups); the orders whose signal is not
  -- in that window (NULL group) keep their signal ids for the lookup below.
  SELECT s.strategy_id,
         count(*)::int AS orders,
         (count(*) FILTER (WHERE o.status IN ('filled', 'partially_filled')))::int AS filled,
         array_agg(o.signal_id) FILTER (WHERE s.strategy_id IS NULL) AS unmatched_signals,
         array_agg(o.status) FILTER (WHERE s.strategy_id IS NULL) AS unmatched_statuses
  FROM orders o
  LEFT JOIN trading_signals s
    ON s.signal_id = o.signal_id AND s."timestamp" BETWEEN $__timeFrom()::timestamp - interval '5 minutes' AND $__timeTo()
  WHERE $__timeFilter(o.created_at)
  GROUP BY s.strategy_id
), range_orders AS (
  -- An order whose signal is older still (a backlog) is looked up by id; one whose signal is not in
  -- trading_signals counts for no strategy, as an inner join leaves it.
  SELECT x.strategy_id, sum(x.orders)::int AS orders, sum(x.filled)::int AS filled
  FROM (
    SELECT m.strategy_id, m.orders, m.filled FROM matched m WHERE m.strategy_id IS NOT NULL
    UNION ALL
    SELECT l.strategy_id, 1, CASE WHEN u.status IN ('filled', 'partially_filled') THEN 1 ELSE 0 END
    FROM matched m
    CROSS JOIN LATERAL unnest(m.unmatched_signals, m.unmatched_statuses) AS u(signal_id, status)
    JOIN trading_signals l ON l.signal_id = u.signal_id
    WHERE m.strategy_id IS NULL
  ) x
  GROUP BY x.strategy_id
), range_pnl AS (
  SELECT e.strategy_id, sum((e.performance ->> 'realized_pnl')::numeric) AS realized_pnl
  FROM execution_events e
  WHERE $__timeFilter(e.executed_at) AND jsonb_typeof(e.performance -> 'realized_pnl') = 'number'
  GROUP BY e.strategy_id
), strategies AS (
  SELECT strategy_id FROM active UNION SELECT strategy_id FROM range_orders
)
SELECT st.strategy_id,
       coalesce(a.version, 'none') AS active_version,
       max(l.metric_value) FILTER (WHERE l.metric_name = 'win_rate') AS win_rate,
       max(l.metric_value) FILTER (WHERE l.metric_name = 'accuracy') AS accuracy,
       max(l.metric_value) FILTER (WHERE l.metric_name = 'total_pnl') AS model_total_pnl,
       coalesce(max(r.orders), 0) AS orders,
       coalesce(max(r.filled), 0) AS filled,
       round(max(r.filled)::numeric / nullif(max(r.orders), 0), 4) AS fill_rate,
       max(p.realized_pnl) AS realized_pnl
FROM strategies st
LEFT JOIN active a ON a.strategy_id = st.strategy_id
LEFT JOIN latest l ON l.model_version_id = a.id
LEFT JOIN range_orders r ON r.strategy_id = st.strategy_id
LEFT JOIN range_pnl p ON p.strategy_id = st.strategy_id
WHERE '__all__' IN ($strategy) OR st.strategy_id IN ($strategy)
GROUP BY st.strategy_id, a.version
ORDER BY st.strategy_id
