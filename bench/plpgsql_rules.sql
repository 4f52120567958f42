-- bench/plpgsql_rules.sql
--
-- The PL/pgSQL baseline for `make bench`. This is the same rule set as arka's shipped packs
-- (packs/us_bsa.json, packs/ofac_country.json, packs/fatf_high_risk.json, packs/eu_amlr.json,
-- version 2026.11.0), written by hand the way a competent user would do without arka.
-- Amounts are read as numeric, the country/region/channel lists are text[] constants, and a
-- field counts as missing when it is absent, JSON null or "" (JSON Logic `missing`).
--
-- Functions:
--   bench_plpgsql_evaluate(doc jsonb) RETURNS jsonb
--       Evaluates doc as of current_date. It is an inlinable SQL wrapper around the function below.
--   bench_plpgsql_evaluate(doc jsonb, as_of date, with_eu boolean DEFAULT true) RETURNS jsonb
--       Evaluates doc as of a given date. Use it to pin the date in benchmarks and tests.
--       with_eu = false leaves out the eu_amlr pack (the enforcement benchmark's rule set).
--   bench_plpgsql_trigger() RETURNS trigger
--       BEFORE INSERT/UPDATE row trigger. It evaluates to_jsonb(NEW) and raises SQLSTATE ZA001
--       with the result JSON as DETAIL when the outcome is "block". With the argument
--       'without_eu' it evaluates us_bsa, ofac_country and fatf_high_risk only.
--
-- Result: {"compliant": bool, "outcome": "allow"|"review"|"block", "violations": [rule_id, ...]}
--   The worst action wins (block > review > allow). Violations are listed in pack order.
--
-- Dates: eu.amlr.cash_over_10k has effective_from 2027-07-10 (constant c_eu_cash_limit_from
--   below). Like arka, it is not in force when evaluated before that date:
--   bench_plpgsql_evaluate(doc) uses current_date, so the rule is skipped until then. To test
--   or benchmark the rule, call bench_plpgsql_evaluate(doc, DATE '2027-07-10').
--
-- Trigger: to_jsonb(NEW) makes the row the document, with column names as keys. The table
--   must therefore have columns named like the canonical document: amount numeric,
--   currency text, channel text, payer jsonb, payee jsonb, ... Unlike arka, there is no
--   column mapping. Example:
--     CREATE TRIGGER payments_compliance BEFORE INSERT OR UPDATE ON payments
--       FOR EACH ROW EXECUTE FUNCTION bench_plpgsql_trigger();
--
-- Written for PostgreSQL 15. Keep it in step with packs/*.json when a pack changes.

CREATE OR REPLACE FUNCTION bench_plpgsql_evaluate(doc jsonb, as_of date, with_eu boolean DEFAULT true)
RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
    -- Lists, copied from the packs' "lists".
    c_ofac_countries      CONSTANT text[] := ARRAY['CU', 'IR', 'KP'];              -- ofac_comprehensive_countries
    c_ofac_regions        CONSTANT text[] := ARRAY['UA-43', 'UA-40', 'UA-DNR', 'UA-LNR']; -- ofac_embargoed_regions
    c_fatf_countermeasure CONSTANT text[] := ARRAY['KP', 'IR'];                    -- fatf_call_for_action
    c_fatf_edd            CONSTANT text[] := ARRAY['MM'];                          -- fatf_enhanced_due_diligence
    c_us_transfer_chan    CONSTANT text[] := ARRAY['wire'];                        -- us_bsa_funds_transfer_channels
    c_eu_transfer_chan    CONSTANT text[] := ARRAY['wire', 'ach', 'sepa'];         -- eu_tfr_transfer_channels
    c_eu_cash_limit_from  CONSTANT date   := DATE '2027-07-10';                    -- eu.amlr.cash_over_10k effective_from

    v_channel       text := doc ->> 'channel';
    v_currency      text := doc ->> 'currency';
    v_payer_country text := doc #>> '{payer,country}';
    v_payee_country text := doc #>> '{payee,country}';
    v_payer_region  text := doc #>> '{payer,region}';
    v_payee_region  text := doc #>> '{payee,region}';
    v_amount        numeric;
    v_violations    text[] := '{}';
    v_block         boolean := false;
    v_review        boolean := false;
    v_outcome       text;
BEGIN
    IF doc IS NULL THEN
        RETURN NULL;
    END IF;
    as_of := coalesce(as_of, current_date);

    -- Amount: a JSON number, or a numeric string (JSON Logic compares "10000.01" > 10000
    -- numerically). Anything else never passes a threshold.
    CASE jsonb_typeof(doc -> 'amount')
        WHEN 'number' THEN
            v_amount := (doc ->> 'amount')::numeric;
        WHEN 'string' THEN
            IF doc ->> 'amount' ~ '^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$' THEN
                v_amount := (doc ->> 'amount')::numeric;
            END IF;
        ELSE
            NULL;
    END CASE;

    -- us_bsa: us.bsa.ctr_cash_over_10k (review). 31 CFR 1010.311: "more than $10,000".
    IF v_channel = 'cash' AND v_currency = 'USD' AND v_amount > 10000 THEN
        v_violations := v_violations || 'us.bsa.ctr_cash_over_10k'::text;
        v_review := true;
    END IF;

    -- us_bsa: us.bsa.travel_rule_missing_info (block). 31 CFR 1010.410(f): $3,000 or more.
    IF v_channel = ANY (c_us_transfer_chan) AND v_currency = 'USD' AND v_amount >= 3000
       AND (coalesce(doc #>> '{payer,name}', '') = ''
            OR coalesce(doc #>> '{payer,account}', '') = ''
            OR coalesce(doc #>> '{payer,address}', '') = ''
            OR coalesce(doc #>> '{payee,name}', '') = ''
            OR coalesce(doc #>> '{payee,account}', '') = '') THEN
        v_violations := v_violations || 'us.bsa.travel_rule_missing_info'::text;
        v_block := true;
    END IF;

    -- ofac_country: us.ofac.sanctioned_country (block).
    IF v_payer_country = ANY (c_ofac_countries) OR v_payee_country = ANY (c_ofac_countries) THEN
        v_violations := v_violations || 'us.ofac.sanctioned_country'::text;
        v_block := true;
    END IF;

    -- ofac_country: us.ofac.embargoed_region (block).
    IF v_payer_region = ANY (c_ofac_regions) OR v_payee_region = ANY (c_ofac_regions) THEN
        v_violations := v_violations || 'us.ofac.embargoed_region'::text;
        v_block := true;
    END IF;

    -- fatf_high_risk: intl.fatf.call_for_countermeasures (block).
    IF v_payer_country = ANY (c_fatf_countermeasure) OR v_payee_country = ANY (c_fatf_countermeasure) THEN
        v_violations := v_violations || 'intl.fatf.call_for_countermeasures'::text;
        v_block := true;
    END IF;

    -- fatf_high_risk: intl.fatf.enhanced_due_diligence (review).
    IF v_payer_country = ANY (c_fatf_edd) OR v_payee_country = ANY (c_fatf_edd) THEN
        v_violations := v_violations || 'intl.fatf.enhanced_due_diligence'::text;
        v_review := true;
    END IF;

    -- eu_amlr: eu.amlr.cash_over_10k (block), in force from 2027-07-10. AMLR Art. 80.
    IF with_eu AND as_of >= c_eu_cash_limit_from
       AND v_channel = 'cash' AND v_currency = 'EUR' AND v_amount > 10000 THEN
        v_violations := v_violations || 'eu.amlr.cash_over_10k'::text;
        v_block := true;
    END IF;

    -- eu_amlr: eu.tfr.missing_payer_payee_info (block). Regulation (EU) 2023/1113.
    IF with_eu AND v_channel = ANY (c_eu_transfer_chan) AND v_currency = 'EUR'
       AND (coalesce(doc #>> '{payer,name}', '') = ''
            OR coalesce(doc #>> '{payer,account}', '') = ''
            OR coalesce(doc #>> '{payee,name}', '') = ''
            OR coalesce(doc #>> '{payee,account}', '') = '') THEN
        v_violations := v_violations || 'eu.tfr.missing_payer_payee_info'::text;
        v_block := true;
    END IF;

    v_outcome := CASE WHEN v_block THEN 'block' WHEN v_review THEN 'review' ELSE 'allow' END;
    RETURN jsonb_build_object('compliant', NOT v_block,
                              'outcome', v_outcome,
                              'violations', to_jsonb(v_violations));
END;
$$;

-- One-argument form: evaluates as of today. It is a single-SELECT SQL function, so the planner
-- inlines it and the benchmark pays no extra call.
CREATE OR REPLACE FUNCTION bench_plpgsql_evaluate(doc jsonb)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT bench_plpgsql_evaluate(doc, current_date) $$;

CREATE OR REPLACE FUNCTION bench_plpgsql_trigger()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    v_result jsonb;
BEGIN
    -- TG_ARGV[0] = 'without_eu': the us_bsa, ofac_country and fatf_high_risk packs only
    v_result := bench_plpgsql_evaluate(to_jsonb(NEW), current_date,
                                       coalesce(TG_ARGV[0], '') <> 'without_eu');
    IF v_result ->> 'outcome' = 'block' THEN
        RAISE EXCEPTION 'payment rejected by rule(s) %',
              (SELECT string_agg(r, ', ') FROM jsonb_array_elements_text(v_result -> 'violations') AS r)
              USING ERRCODE = 'ZA001',
                    DETAIL = v_result::text;
    END IF;
    RETURN NEW;
END;
$$;
