-- Signal trace: the signal itself. The signal id variable is a text box: every trace query reads it only
-- when it is a UUID (the CASE below, folded when the plan is made), so that any other text matches nothing
-- instead of failing with PostgreSQL's uuid error; this panel then says what to enter, in one row.
SELECT s.signal_id::text AS signal_id,
       s."timestamp" AS "timestamp",
       s.strategy_id,
       s.asset,
       s.side,
       s.price,
       s.confidence,
       coalesce(s.model_version, '-') AS model_version,
       s.is_warmup AS warm_up,
       s.trace_id,
       s.created_at
FROM trading_signals s
WHERE s.signal_id = (CASE WHEN btrim('$signal_id') ~* '^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$' THEN btrim('$signal_id')::uuid END)
UNION ALL
SELECT CASE WHEN btrim('$signal_id') = '' THEN 'enter a signal id (a UUID, e.g. from the signals table)' ELSE 'not a signal id' END,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
WHERE (CASE WHEN btrim('$signal_id') ~* '^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$' THEN btrim('$signal_id')::uuid END) IS NULL
