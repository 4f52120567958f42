-- pgbench script for the lag run: 50 rows per transaction (bench/cdc.sh)
INSERT INTO bench_lag (amount, payer, payee_country) SELECT 10 + g, 'payer', 'DE' FROM generate_series(1, 50) g;
