-- Model quality (US3, SC-006): per strategy, the latest metrics of its active model (win rate, accuracy,
-- total PnL as model-service evaluated them) and how its orders of the range fared: orders, filled, fill
-- rate. Orders carry no strategy, so each is joined to its signal: at the real system's peak a day holds
-- 100,000 orders, so the settled part of the range is read from the monitor's summary per 10-minute bucket
-- and only the orders around it are joined here (docs/performance.md). Realized PnL from
-- execution_events (the range) counts only where performance.realized_pnl is numeric (FR-005); it has
-- always been null in the real system, so that column is empty unless something writes it again.
-- A strategy has a row per active model (per symbol in the newest shape, "all" for a model of every
-- symbol); its orders are the strategy's (orders carry no symbol's model), shown on its first row only.
WITH active AS (
  SELECT m.id, m.strategy_id, m.version, m.symbol
  FROM monitoring.model_versions m
  WHERE m.is_active AND m.strategy_id IS NOT NULL
), latest AS (
  -- The latest value of each metric. Evaluations of the same version at the same time on different splits
  -- (the view's dataset_split, from the metadata) rank test, then validation, then train, then any other or none, then by id:
  -- the same row wins every time.
  SELECT DISTINCT ON (q.model_version_id, q.metric_name) q.model_version_id, q.metric_name, q.metric_value
  FROM monitoring.model_quality_metrics q
  JOIN active a ON a.id = q.model_version_id
  ORDER BY q.model_version_id, q.metric_name, q.evaluated_at DESC,
           array_position(ARRAY['test', 'validation', 'train'], q.dataset_split) NULLS LAST, q.id
), span AS (
  -- The part of the range the monitor's summary covers (monitor/order-buckets.ts: orders by strategy per
  -- settled 10-minute bucket), counted from it; none when it has no unbroken stretch there.
  SELECT * FROM monitoring.order_summary_span($__timeFrom()::timestamp, $__timeTo()::timestamp)
), parts AS (
  -- What the summary does not cover, joined live: before the stretch and after it (the range's end
  -- included, as Grafana's time filter, a BETWEEN, includes it). Without a summary, the whole range.
  SELECT $__timeFrom()::timestamp AS a, p.lo AS b FROM span p
  UNION ALL
  SELECT p.hi, $__timeTo()::timestamp + interval '1 microsecond' FROM span p
), matched AS (
  -- orders has no strategy: it is the signal's. An order follows its signal within seconds, so the signals
  -- of each part (and 5 minutes before) are read in one index range and joined by hash, instead of one
  -- lookup per order. Grouped by that strategy alone (a handful of groups); the orders whose signal is not
  -- in that window (NULL group) keep their signal ids for the lookup below.
  SELECT m.*
  FROM parts p
  CROSS JOIN LATERAL (
    SELECT s.strategy_id,
           count(*)::int AS orders,
           (count(*) FILTER (WHERE o.status IN ('filled', 'partially_filled')))::int AS filled,
           array_agg(o.signal_id) FILTER (WHERE s.strategy_id IS NULL) AS unmatched_signals,
           array_agg(o.status) FILTER (WHERE s.strategy_id IS NULL) AS unmatched_statuses
    FROM monitoring.orders o
    LEFT JOIN monitoring.trading_signals s
      ON s.signal_id = o.signal_id AND s."timestamp" >= p.a - interval '5 minutes' AND s."timestamp" < p.b
    WHERE o.created_at >= p.a AND o.created_at < p.b
    GROUP BY s.strategy_id
  ) m
), range_orders AS (
  -- The summarized buckets' counts, the live parts', and, for an order whose signal is older still (a
  -- backlog), its signal looked up by id; one whose signal is not in trading_signals counts for no
  -- strategy, as an inner join leaves it.
  SELECT x.strategy_id, sum(x.orders)::int AS orders, sum(x.filled)::int AS filled
  FROM (
    SELECT c.strategy_id, c.orders, c.filled
    FROM monitoring.order_bucket_counts c, span p
    WHERE c.bucket >= p.lo AND c.bucket < p.hi AND c.strategy_id IS NOT NULL
    UNION ALL
    SELECT m.strategy_id, m.orders, m.filled FROM matched m WHERE m.strategy_id IS NOT NULL
    UNION ALL
    SELECT l.strategy_id, 1, CASE WHEN u.status IN ('filled', 'partially_filled') THEN 1 ELSE 0 END
    FROM matched m
    CROSS JOIN LATERAL unnest(m.unmatched_signals, m.unmatched_statuses) AS u(signal_id, status)
    JOIN monitoring.trading_signals l ON l.signal_id = u.signal_id
    WHERE m.strategy_id IS NULL
  ) x
  GROUP BY x.strategy_id
), range_pnl AS (
  SELECT e.strategy_id, sum((e.performance ->> 'realized_pnl')::numeric) AS realized_pnl
  FROM monitoring.execution_events e
  WHERE $__timeFilter(e.executed_at) AND jsonb_typeof(e.performance -> 'realized_pnl') = 'number'
  GROUP BY e.strategy_id
), strategies AS (
  SELECT strategy_id FROM active UNION SELECT strategy_id FROM range_orders
)
SELECT st.strategy_id,
       coalesce(a.symbol, 'all') AS symbol,
       coalesce(a.version, 'none') AS active_version,
       max(l.metric_value) FILTER (WHERE l.metric_name = 'win_rate') AS win_rate,
       max(l.metric_value) FILTER (WHERE l.metric_name = 'accuracy') AS accuracy,
       max(l.metric_value) FILTER (WHERE l.metric_name = 'total_pnl') AS model_total_pnl,
       CASE WHEN row_number() OVER per_strategy = 1 THEN coalesce(max(r.orders), 0) END AS orders,
       CASE WHEN row_number() OVER per_strategy = 1 THEN coalesce(max(r.filled), 0) END AS filled,
       CASE WHEN row_number() OVER per_strategy = 1 THEN round(max(r.filled)::numeric / nullif(max(r.orders), 0), 4) END AS fill_rate,
       CASE WHEN row_number() OVER per_strategy = 1 THEN max(p.realized_pnl) END AS realized_pnl
FROM strategies st
LEFT JOIN active a ON a.strategy_id = st.strategy_id
LEFT JOIN latest l ON l.model_version_id = a.id
LEFT JOIN range_orders r ON r.strategy_id = st.strategy_id
LEFT JOIN range_pnl p ON p.strategy_id = st.strategy_id
WHERE '__all__' IN ($strategy) OR st.strategy_id IN ($strategy)
GROUP BY st.strategy_id, a.version, a.symbol
-- The strategy's range figures once, on its first row (its model for every symbol, else the first symbol).
WINDOW per_strategy AS (PARTITION BY st.strategy_id ORDER BY a.symbol NULLS FIRST)
ORDER BY st.strategy_id, a.symbol NULLS FIRST
