-- 200,000 rows in 200 transactions of 1,000 (bench/cdc.sh)
SELECT format('INSERT INTO bench_pay SELECT g, (g %% 10000) + 0.25, ''payer '' || g, '
	'CASE WHEN g %% 50 = 0 THEN ''IR'' ELSE ''DE'' END FROM generate_series(%s, %s) g', b * 1000 + 1, b * 1000 + 1000)
FROM generate_series(0, 199) b
\gexec
