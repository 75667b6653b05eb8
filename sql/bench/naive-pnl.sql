-- Naive PnL panel, for `bun run bench` only (never a panel): the straightforward way a hand-made dashboard
-- writes it, aggregating every execution_events row ever written by casting its JSONB (a non-numeric
-- realized_pnl would even fail the cast). Compared with our PnL panel (sql/panels/positions.sql), which
-- reads position-manager's positions: one row per asset and mode, whatever the history.
SELECT e.strategy_id,
       sum((e.performance ->> 'realized_pnl')::numeric) AS realized_pnl
FROM execution_events e
WHERE '__all__' IN ($strategy) OR e.strategy_id IN ($strategy)
GROUP BY e.strategy_id
ORDER BY e.strategy_id
