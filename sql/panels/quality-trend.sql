-- Model quality over time (US3): each evaluation's key metrics, one series per strategy, symbol and metric;
-- the test split only where the metadata names one (training saves validation and test rows under one name).
SELECT q.evaluated_at AS "time",
       m.strategy_id || coalesce(' ' || m.symbol, '') || ' ' || q.metric_name AS metric,
       q.metric_value::float8 AS value
FROM monitoring.model_quality_metrics q
JOIN monitoring.model_versions m ON m.id = q.model_version_id
WHERE $__timeFilter(q.evaluated_at)
  AND q.metric_name IN ('win_rate', 'accuracy', 'f1_score', 'sharpe_ratio')
  AND coalesce(q.dataset_split, 'test') = 'test'
  AND ('__all__' IN ($strategy) OR m.strategy_id IN ($strategy))
ORDER BY 1
