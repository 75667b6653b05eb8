-- Model quality over time (US3): each evaluation's key metrics, one series per strategy, symbol (a model is
-- trained for one symbol in the newest shape) and metric. A
-- version evaluated at the same time on several splits (the view's dataset_split, from the metadata) gives one point, in the
-- order model quality per strategy states: test, then validation, then train, then any other or none, then id.
SELECT DISTINCT ON (q.evaluated_at, m.strategy_id, m.symbol, q.metric_name)
       q.evaluated_at AS "time",
       m.strategy_id || coalesce(' ' || m.symbol, '') || ' ' || q.metric_name AS metric,
       q.metric_value::float8 AS value
FROM monitoring.model_quality_metrics q
JOIN monitoring.model_versions m ON m.id = q.model_version_id
WHERE $__timeFilter(q.evaluated_at)
  AND q.metric_name IN ('win_rate', 'accuracy', 'f1_score', 'sharpe_ratio')
  AND ('__all__' IN ($strategy) OR m.strategy_id IN ($strategy))
ORDER BY q.evaluated_at, m.strategy_id, m.symbol, q.metric_name,
         array_position(ARRAY['test', 'validation', 'train'], q.dataset_split) NULLS LAST, q.id
