-- Signal trace: the position in the signal's asset as it is now.
SELECT p.asset,
       p.mode,
       p.size,
       p.average_entry_price,
       p.current_price,
       p.unrealized_pnl,
       p.realized_pnl,
       p.last_updated,
       p.closed_at
FROM positions p
WHERE p.asset = (SELECT s.asset FROM trading_signals s WHERE s.signal_id = (CASE WHEN btrim('$signal_id') ~* '^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$' THEN btrim('$signal_id')::uuid END))
ORDER BY p.mode
