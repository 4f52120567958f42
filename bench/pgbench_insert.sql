\set id random(1, 2000000000)
\set amt random(1, 2000)
INSERT INTO :tbl (id, amount, currency, channel, payer, payee)
VALUES (:id, :amt, 'USD', 'wire',
		'{"name": "Ana Lima", "account": "US-001", "address": "1 Main St", "country": "US"}',
		'{"name": "Bo Chen", "account": "DE-002", "country": "DE"}')
ON CONFLICT (id) DO NOTHING;
