-- Signal trace: the signal itself. The signal id variable is a text box; an empty one matches nothing.
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
FROM monitoring.trading_signals s
WHERE s.signal_id = nullif('$signal_id', '')::uuid
