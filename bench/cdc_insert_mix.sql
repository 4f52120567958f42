-- 200,000 rows in 200 transactions of 1,000, 1 in 50 flagged (bench/cdc.sh)
SELECT format('INSERT INTO bench_mix SELECT g, (g %% 10000) + 0.25, ''payer '' || g, ''DE'' '
	'FROM generate_series(%s, %s) g', b * 1000 + 1, b * 1000 + 1000)
FROM generate_series(0, 199) b
\gexec
