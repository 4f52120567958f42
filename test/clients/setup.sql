-- Shared setup for the driver tests: a protected payments table.
CREATE EXTENSION arka;
SELECT arka_install_pack('ofac_country');
CREATE TABLE payments (id serial PRIMARY KEY, amount numeric NOT NULL, currency text,
                       payee_name text, payee_country text);
SELECT arka_protect('payments', mapping => '{"payee.name": "payee_name", "payee.country": "payee_country"}');
