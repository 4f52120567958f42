-- arka-cdc benchmark schema (bench/cdc.sh): every row is flagged, so the
-- figures are flagged changes per second end to end.
CREATE EXTENSION IF NOT EXISTS arka;
SELECT arka_define_rule('bench.review_all', '{">": [{"var": "amount"}, 0]}', 'US', 'AML', 'review');
SELECT arka_define_rule('bench.big', '{">=": [{"var": "amount"}, 9000.50]}', 'US', 'AML', 'block');
SELECT arka_define_rule('bench.country', '{"in": [{"var": "payee_country"}, ["IR", "KP", "SY"]]}', 'US', 'SANCTIONS', 'block');
CREATE TABLE bench_pay (id bigint PRIMARY KEY, amount numeric(20,2), payer text, payee_country text,
	at timestamptz DEFAULT now());
SELECT arka_protect('bench_pay', 'async');
CREATE TABLE bench_lag (id bigserial PRIMARY KEY, amount numeric(20,2), payer text, payee_country text);
SELECT arka_protect('bench_lag', 'async');
