-- Model quality over time (US3): each evaluation's key metrics, one series per strategy and metric. A
-- version evaluated at the same time on several splits (metadata.dataset_split) gives one point, in the
-- order model quality per strategy states: test, then validation, then train, then any other or none, then id.
SELECT DISTINCT ON (q.evaluated_at, m.strategy_id, q.metric_name)
       q.evaluated_at AS "time",
       m.strategy_id || ' ' || q.metric_name AS metric,
       q.metric_value::float8 AS value
FROM model_quality_metrics q
JOIN model_versions m ON m.id = q.model_version_id
WHERE $__timeFilter(q.evaluated_at)
  AND q.metric_name IN ('win_rate', 'accuracy', 'f1_score', 'sharpe_ratio')
  AND ('__all__' IN ($strategy) OR m.strategy_id IN ($strategy))
ORDER BY q.evaluated_at, m.strategy_id, q.metric_name,
         array_position(ARRAY['test', 'validation', 'train'], q.metadata ->> 'dataset_split') NULLS LAST, q.id
