-- arka-cdc benchmark schema (bench/cdc.sh): every row of bench_pay is
-- flagged, 1 in 50 of bench_mix.
CREATE EXTENSION IF NOT EXISTS arka;
SELECT arka_define_rule('bench.review_all', '{">": [{"var": "amount"}, 0]}', 'US', 'AML', 'review');
SELECT arka_define_rule('bench.big', '{">=": [{"var": "amount"}, 9000.50]}', 'US', 'AML', 'block');
SELECT arka_define_rule('bench.country', '{"in": [{"var": "payee_country"}, ["IR", "KP", "SY"]]}', 'US', 'SANCTIONS', 'block');
CREATE TABLE bench_pay (id bigint PRIMARY KEY, amount numeric(20,2), payer text, payee_country text,
	at timestamptz DEFAULT now());
SELECT arka_protect('bench_pay', 'async');
CREATE TABLE bench_lag (id bigserial PRIMARY KEY, amount numeric(20,2), payer text, payee_country text);
SELECT arka_protect('bench_lag', 'async');
-- the mixed stream: 1 change in 50 flagged (a review over 9,800 in its own jurisdiction)
SELECT arka_define_rule('bench.mix_review', '{">": [{"var": "amount"}, 9800]}', 'MIX', 'AML', 'review');
CREATE TABLE bench_mix (LIKE bench_pay INCLUDING ALL);
SELECT arka_protect('bench_mix', 'async', ARRAY['MIX']);
