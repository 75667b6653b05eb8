-- Health (US5): PostgreSQL answers the read-only role. score is 1 when healthy (see the overall panel).
SELECT 'postgresql' AS service,
       'healthy' AS status,
       1 AS score,
       'server ' || current_setting('server_version') || ', ' ||
         (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()) || ' connections' AS detail
