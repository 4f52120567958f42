/* arka--1.0.sql: compliance rules enforced inside PostgreSQL */

\echo Use "CREATE EXTENSION arka" to load this file. \quit

CREATE SCHEMA arka;
COMMENT ON SCHEMA arka IS 'arka catalog: rules, named lists, rule packs';

-------------------------------------------------------------------------------
-- Named value lists (referenced by rules through {"in_list": [value, "name"]})
-------------------------------------------------------------------------------
CREATE TABLE arka.lists (
	list_name	text PRIMARY KEY
				CONSTRAINT list_name_format CHECK (list_name ~ '^[a-z][a-z0-9_]{0,62}$'),
	description	text,
	source		text,
	as_of		date,
	pack		text,
	updated_at	timestamptz NOT NULL DEFAULT now(),
	updated_by	name NOT NULL DEFAULT current_user
);
COMMENT ON TABLE arka.lists IS 'named value lists that rules reference with the in_list operator';

CREATE TABLE arka.list_items (
	list_name	text NOT NULL REFERENCES arka.lists ON UPDATE CASCADE ON DELETE CASCADE,
	item		text NOT NULL,
	PRIMARY KEY (list_name, item)
);
COMMENT ON TABLE arka.list_items IS 'members of the named lists';

-- a list an active rule uses cannot disappear, however it is deleted
CREATE FUNCTION arka._list_in_use() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	users	text;
BEGIN
	IF TG_OP = 'UPDATE' AND NEW.list_name = OLD.list_name THEN
		RETURN NEW;
	END IF;
	SELECT string_agg(r.rule_id, ', ' ORDER BY r.rule_id) INTO users
	FROM arka.active_rules r
	WHERE jsonb_path_exists(r.logic, 'strict $.**.in_list[1] ? (@ == $n)',
							jsonb_build_object('n', OLD.list_name));
	IF users IS NOT NULL THEN
		RAISE EXCEPTION 'list "%" is used by active rules', OLD.list_name
			USING ERRCODE = 'dependent_objects_still_exist',
				  DETAIL = 'Rules: ' || users || '.',
				  HINT = 'Disable or redefine those rules first.';
	END IF;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

-------------------------------------------------------------------------------
-- Rules: every version is kept; a change is a new version
-------------------------------------------------------------------------------
CREATE TABLE arka.rules (
	rule_id		text NOT NULL
				CONSTRAINT rule_id_format CHECK (rule_id ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$'),
	version		integer NOT NULL CHECK (version > 0),
	jurisdiction text NOT NULL
				CONSTRAINT jurisdiction_format CHECK (jurisdiction ~ '^[A-Z][A-Z0-9_-]{1,15}$'),
	domain		text NOT NULL
				CONSTRAINT domain_format CHECK (domain ~ '^[A-Za-z][A-Za-z0-9_-]{0,31}$'),
	action		text NOT NULL CHECK (action IN ('allow', 'review', 'block')),
	severity	text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
	description	text,
	logic		jsonb NOT NULL,
	enabled		boolean NOT NULL DEFAULT true,
	effective_from date,
	pack		text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	created_by	name NOT NULL DEFAULT current_user,
	PRIMARY KEY (rule_id, version)
);
COMMENT ON TABLE arka.rules IS 'every version of every rule; rows are never changed, a change is a new version';

CREATE VIEW arka.active_rules AS
	SELECT rule_id, version, jurisdiction, domain, action, severity, description,
		   logic, effective_from, pack, created_at, created_by
	FROM (SELECT DISTINCT ON (rule_id) *
		  FROM arka.rules
		  ORDER BY rule_id, version DESC) AS latest
	WHERE enabled;
COMMENT ON VIEW arka.active_rules IS 'the latest version of each rule, when enabled';

CREATE FUNCTION arka._rules_immutable() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	RAISE EXCEPTION 'arka.rules rows cannot be changed or deleted'
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  DETAIL = 'Every rule version is kept for audit.',
			  HINT = 'Use arka_define_rule() for a new version or arka_disable_rule() to retire a rule.';
END
$$;

-- a rule row is validated however it arrives (arka_define_rule or a direct
-- INSERT by an administrator): an enabled rule must compile.  The check is
-- deferred to commit and made on the latest version of each rule only, the
-- one that can become active: a pg_dump restore loads every version, and an
-- old version may use a list dropped since it was superseded.  A restore
-- (pg_dump's scripts and pg_restore set check_function_bodies = off) may
-- also load arka.rules before arka.lists (pg_restore -j): there, unknown
-- lists are let through, as PostgreSQL lets a function body through.
CREATE FUNCTION arka._validate_rule() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF NEW.enabled AND NOT EXISTS (SELECT FROM arka.rules r
								   WHERE r.rule_id = NEW.rule_id AND r.version > NEW.version) THEN
		PERFORM arka._check_logic(NEW.logic, current_setting('check_function_bodies')::boolean);
	END IF;
	RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER rules_validate AFTER INSERT ON arka.rules
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION arka._validate_rule();
CREATE TRIGGER rules_immutable BEFORE UPDATE OR DELETE ON arka.rules
	FOR EACH ROW EXECUTE FUNCTION arka._rules_immutable();
CREATE TRIGGER rules_no_truncate BEFORE TRUNCATE ON arka.rules
	FOR EACH STATEMENT EXECUTE FUNCTION arka._rules_immutable();

-------------------------------------------------------------------------------
-- Rule packs
-------------------------------------------------------------------------------
CREATE TABLE arka.packs (
	name		text PRIMARY KEY,
	version		text NOT NULL,
	title		text,
	description	text,
	as_of		date,
	sources		jsonb NOT NULL DEFAULT '[]',
	rule_ids	text[] NOT NULL DEFAULT '{}',
	list_names	text[] NOT NULL DEFAULT '{}',
	installed_at timestamptz NOT NULL DEFAULT now(),
	installed_by name NOT NULL DEFAULT current_user
);
COMMENT ON TABLE arka.packs IS 'installed rule packs with their sources';

-- user data survives pg_dump
SELECT pg_catalog.pg_extension_config_dump('arka.lists', '');
SELECT pg_catalog.pg_extension_config_dump('arka.list_items', '');
SELECT pg_catalog.pg_extension_config_dump('arka.rules', '');
SELECT pg_catalog.pg_extension_config_dump('arka.packs', '');

-------------------------------------------------------------------------------
-- Cache invalidation: a committed change to rules or lists reaches the
-- compiled ruleset of every backend; a rolled-back one never does.
-------------------------------------------------------------------------------
CREATE FUNCTION arka._invalidate_cache() RETURNS trigger
	AS 'MODULE_PATHNAME', 'arka_invalidate_cache' LANGUAGE C;

CREATE TRIGGER rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON arka.rules
	FOR EACH STATEMENT EXECUTE FUNCTION arka._invalidate_cache();
CREATE TRIGGER lists_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON arka.lists
	FOR EACH STATEMENT EXECUTE FUNCTION arka._invalidate_cache();
CREATE TRIGGER list_items_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON arka.list_items
	FOR EACH STATEMENT EXECUTE FUNCTION arka._invalidate_cache();
CREATE TRIGGER lists_in_use BEFORE DELETE OR UPDATE OF list_name ON arka.lists
	FOR EACH ROW EXECUTE FUNCTION arka._list_in_use();

-------------------------------------------------------------------------------
-- Evaluation
-------------------------------------------------------------------------------
CREATE FUNCTION arka_evaluate(doc jsonb, jurisdictions text[] DEFAULT NULL,
							  domains text[] DEFAULT NULL)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'arka_evaluate'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION arka_evaluate(jsonb, text[], text[]) IS
	'decide a document against the active rules: outcome, violations, proof id';

CREATE FUNCTION arka_explain_proof(doc jsonb, jurisdictions text[] DEFAULT NULL,
								   domains text[] DEFAULT NULL)
	RETURNS text
	AS 'MODULE_PATHNAME', 'arka_explain_proof'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION arka_explain_proof(jsonb, text[], text[]) IS
	'the leaf text whose RFC 6962 leaf hash is the proof id of arka_evaluate (see docs/proof.md)';

CREATE FUNCTION arka_apply(logic jsonb, data jsonb DEFAULT NULL)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'arka_apply'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION arka_apply(jsonb, jsonb) IS
	'evaluate any JSON Logic expression, like jsonLogic.apply (exact decimals)';

CREATE FUNCTION arka._check_logic(logic jsonb, lists_must_exist boolean DEFAULT true) RETURNS void
	AS 'MODULE_PATHNAME', 'arka_check_logic'
	LANGUAGE C STRICT STABLE;

CREATE FUNCTION arka._read_pack(name text) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'arka_read_pack'
	LANGUAGE C STRICT VOLATILE;

-------------------------------------------------------------------------------
-- Rule management
-------------------------------------------------------------------------------
CREATE FUNCTION arka._define_rule(p_rule_id text, p_logic jsonb, p_jurisdiction text,
								  p_domain text, p_action text, p_severity text,
								  p_description text, p_effective_from date,
								  p_pack text)
	RETURNS integer
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	latest	arka.rules;
	v		integer;
BEGIN
	IF p_rule_id IS NULL OR p_logic IS NULL OR p_jurisdiction IS NULL OR p_domain IS NULL
	   OR p_action IS NULL OR p_severity IS NULL THEN
		RAISE EXCEPTION 'rule_id, logic, jurisdiction, domain, action and severity must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF p_action NOT IN ('allow', 'review', 'block') THEN
		RAISE EXCEPTION 'invalid action "%"', p_action
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use allow, review or block.';
	END IF;
	IF p_severity NOT IN ('low', 'medium', 'high', 'critical') THEN
		RAISE EXCEPTION 'invalid severity "%"', p_severity
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use low, medium, high or critical.';
	END IF;
	IF p_rule_id !~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' THEN
		RAISE EXCEPTION 'invalid rule id "%"', p_rule_id
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'A rule id is 1 to 128 letters, digits, "_", ".", ":" or "-", e.g. us.bsa.ctr_cash_over_10k.';
	END IF;

	-- refuses invalid logic with the JSON path of the offending node
	PERFORM arka._check_logic(p_logic);

	-- one definer at a time per rule id, so versions are dense and unique
	PERFORM pg_advisory_xact_lock(hashtext('arka.rule:' || p_rule_id));

	SELECT * INTO latest FROM arka.rules r
	WHERE r.rule_id = p_rule_id ORDER BY r.version DESC LIMIT 1;

	-- defining the same rule again is a no-op: no duplicate versions
	IF FOUND AND latest.enabled AND latest.logic = p_logic
	   AND latest.jurisdiction = p_jurisdiction AND latest.domain = p_domain
	   AND latest.action = p_action AND latest.severity = p_severity
	   AND latest.description IS NOT DISTINCT FROM p_description
	   AND latest.effective_from IS NOT DISTINCT FROM p_effective_from
	   AND latest.pack IS NOT DISTINCT FROM p_pack THEN
		RETURN latest.version;
	END IF;

	v := coalesce(latest.version, 0) + 1;
	INSERT INTO arka.rules (rule_id, version, jurisdiction, domain, action, severity,
							description, logic, enabled, effective_from, pack)
	VALUES (p_rule_id, v, p_jurisdiction, p_domain, p_action, p_severity,
			p_description, p_logic, true, p_effective_from, p_pack);
	RETURN v;
END
$$;

CREATE FUNCTION arka_define_rule(rule_id text, logic jsonb, jurisdiction text, domain text,
								 action text DEFAULT 'block', severity text DEFAULT 'high',
								 description text DEFAULT NULL,
								 effective_from date DEFAULT NULL)
	RETURNS integer
	LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	SELECT arka._define_rule($1, $2, $3, $4, $5, $6, $7, $8, NULL)
$$;
COMMENT ON FUNCTION arka_define_rule(text, jsonb, text, text, text, text, text, date) IS
	'define a rule or a new version of it; returns the version';

CREATE FUNCTION arka_disable_rule(rule_id text)
	RETURNS integer
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	latest	arka.rules;
BEGIN
	PERFORM pg_advisory_xact_lock(hashtext('arka.rule:' || arka_disable_rule.rule_id));
	SELECT * INTO latest FROM arka.rules r
	WHERE r.rule_id = arka_disable_rule.rule_id ORDER BY r.version DESC LIMIT 1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'rule "%" does not exist', arka_disable_rule.rule_id
			USING ERRCODE = 'undefined_object',
				  HINT = 'SELECT rule_id FROM arka.active_rules lists the active rules.';
	END IF;
	IF NOT latest.enabled THEN
		RETURN latest.version;
	END IF;
	INSERT INTO arka.rules (rule_id, version, jurisdiction, domain, action, severity,
							description, logic, enabled, effective_from, pack)
	VALUES (latest.rule_id, latest.version + 1, latest.jurisdiction, latest.domain,
			latest.action, latest.severity, latest.description, latest.logic, false,
			latest.effective_from, latest.pack);
	RETURN latest.version + 1;
END
$$;
COMMENT ON FUNCTION arka_disable_rule(text) IS
	'retire a rule: records a disabled version; define it again to re-enable';

-------------------------------------------------------------------------------
-- Named lists
-------------------------------------------------------------------------------
CREATE FUNCTION arka._set_list(p_name text, p_items text[], p_description text,
							   p_source text, p_as_of date, p_pack text)
	RETURNS integer
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	n	integer;
BEGIN
	IF p_name IS NULL OR p_items IS NULL THEN
		RAISE EXCEPTION 'list name and items must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF array_position(p_items, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'list "%" has a null item', p_name
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF p_name !~ '^[a-z][a-z0-9_]{0,62}$' THEN
		RAISE EXCEPTION 'invalid list name "%"', p_name
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'A list name is lower-case letters, digits and "_", starting with a letter.';
	END IF;
	INSERT INTO arka.lists AS l (list_name, description, source, as_of, pack)
	VALUES (p_name, p_description, p_source, p_as_of, p_pack)
	ON CONFLICT (list_name) DO UPDATE
		SET description = coalesce(EXCLUDED.description, l.description),
			source = coalesce(EXCLUDED.source, l.source),
			as_of = coalesce(EXCLUDED.as_of, l.as_of),
			pack = coalesce(EXCLUDED.pack, l.pack),
			updated_at = now(), updated_by = current_user;
	DELETE FROM arka.list_items i
	WHERE i.list_name = p_name AND i.item <> ALL (p_items);
	INSERT INTO arka.list_items (list_name, item)
	SELECT DISTINCT p_name, x FROM unnest(p_items) AS x
	ON CONFLICT DO NOTHING;
	SELECT count(*) INTO n FROM arka.list_items i WHERE i.list_name = p_name;
	RETURN n;
END
$$;

CREATE FUNCTION arka_set_list(list_name text, items text[], description text DEFAULT NULL,
							  source text DEFAULT NULL, as_of date DEFAULT NULL)
	RETURNS integer
	LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	SELECT arka._set_list($1, $2, $3, $4, $5, NULL)
$$;
COMMENT ON FUNCTION arka_set_list(text, text[], text, text, date) IS
	'create or replace a named list; rules using it see the new items at once';

CREATE FUNCTION arka_drop_list(list_name text)
	RETURNS void
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	-- arka._list_in_use refuses lists that active rules use
	DELETE FROM arka.lists l WHERE l.list_name = arka_drop_list.list_name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'list "%" does not exist', arka_drop_list.list_name
			USING ERRCODE = 'undefined_object';
	END IF;
END
$$;
COMMENT ON FUNCTION arka_drop_list(text) IS 'drop a named list that no active rule uses';

-------------------------------------------------------------------------------
-- Rule packs
-------------------------------------------------------------------------------
CREATE FUNCTION arka_install_pack(name text)
	RETURNS integer
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	pack	jsonb;
	l		jsonb;
	r		jsonb;
	ids		text[] := '{}';
	lists	text[] := '{}';
	old_ids	text[];
	gone	text;
BEGIN
	pack := arka._read_pack(arka_install_pack.name);

	-- one installer at a time per pack
	PERFORM pg_advisory_xact_lock(hashtext('arka.pack:' || arka_install_pack.name));

	FOR l IN SELECT * FROM jsonb_array_elements(coalesce(pack->'lists', '[]'))
	LOOP
		PERFORM arka._set_list(l->>'name',
							   ARRAY(SELECT jsonb_array_elements_text(l->'items')),
							   l->>'description', l->>'source', (l->>'as_of')::date,
							   arka_install_pack.name);
		lists := lists || (l->>'name');
	END LOOP;

	FOR r IN SELECT * FROM jsonb_array_elements(coalesce(pack->'rules', '[]'))
	LOOP
		PERFORM arka._define_rule(r->>'rule_id', r->'logic', r->>'jurisdiction',
								  r->>'domain', coalesce(r->>'action', 'block'),
								  coalesce(r->>'severity', 'high'), r->>'description',
								  (r->>'effective_from')::date, arka_install_pack.name);
		ids := ids || (r->>'rule_id');
	END LOOP;

	-- rules a newer pack version no longer ships are retired, not deleted
	SELECT p.rule_ids INTO old_ids FROM arka.packs p WHERE p.name = arka_install_pack.name;
	FOR gone IN SELECT unnest(old_ids) EXCEPT SELECT unnest(ids)
	LOOP
		PERFORM @extschema@.arka_disable_rule(gone);
	END LOOP;

	INSERT INTO arka.packs AS p (name, version, title, description, as_of, sources,
								 rule_ids, list_names)
	VALUES (arka_install_pack.name, pack->>'version', pack->>'title', pack->>'description',
			(pack->>'as_of')::date, coalesce(pack->'sources', '[]'), ids, lists)
	ON CONFLICT ON CONSTRAINT packs_pkey DO UPDATE
		SET version = EXCLUDED.version, title = EXCLUDED.title,
			description = EXCLUDED.description, as_of = EXCLUDED.as_of,
			sources = EXCLUDED.sources, rule_ids = EXCLUDED.rule_ids,
			list_names = EXCLUDED.list_names,
			installed_at = now(), installed_by = current_user;
	RETURN cardinality(ids);
END
$$;
COMMENT ON FUNCTION arka_install_pack(text) IS
	'install or upgrade a shipped rule pack (us_bsa, ofac_country, fatf_high_risk, eu_amlr)';

-------------------------------------------------------------------------------
-- Enforcement: protected tables, their trigger, recorded decisions
-------------------------------------------------------------------------------
CREATE TABLE arka.protections (
	relid		regclass PRIMARY KEY,
	mode		text NOT NULL CHECK (mode IN ('block', 'log', 'async')),
	jurisdictions text[],
	domains		text[],
	mapping		jsonb,
	protected_at timestamptz NOT NULL DEFAULT now(),
	protected_by name NOT NULL DEFAULT current_user
);
COMMENT ON TABLE arka.protections IS 'tables arka protects, with their mode, rule filters and column mapping';
SELECT pg_catalog.pg_extension_config_dump('arka.protections', '');

CREATE TRIGGER protections_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON arka.protections
	FOR EACH STATEMENT EXECUTE FUNCTION arka._invalidate_cache();

CREATE TABLE arka.decisions (
	decision_id	bigserial PRIMARY KEY,
	table_name	text NOT NULL,
	row_key		jsonb,
	operation	text NOT NULL CHECK (operation IN ('INSERT', 'UPDATE', 'CHECK')),
	mode		text NOT NULL,
	outcome		text NOT NULL CHECK (outcome IN ('allow', 'review', 'block', 'error')),
	violations	jsonb NOT NULL,
	rule_versions jsonb NOT NULL,
	ruleset_version text,
	proof_id	text,
	note		text,
	xid			xid8 NOT NULL DEFAULT pg_current_xact_id(),
	decided_by	name NOT NULL DEFAULT current_user,
	decided_at	timestamptz NOT NULL DEFAULT now()
);
-- a payment's decisions are found by its key; a hash index hashes the
-- jsonb once per insert where a btree compares jsonb at every level
CREATE INDEX decisions_row_key ON arka.decisions USING hash (row_key);
COMMENT ON TABLE arka.decisions IS
	'decisions the enforcement trigger recorded in the writing transaction: review outcomes, block outcomes in log mode, fail-open errors, and every decision when arka.record_all_decisions is on';
SELECT pg_catalog.pg_extension_config_dump('arka.decisions', '');
SELECT pg_catalog.pg_extension_config_dump('arka.decisions_decision_id_seq', '');

CREATE FUNCTION arka._enforce() RETURNS trigger
	AS 'MODULE_PATHNAME', 'arka_enforce' LANGUAGE C;

CREATE FUNCTION arka._check_mapping(tbl regclass, mapping jsonb) RETURNS void
	AS 'MODULE_PATHNAME', 'arka_check_mapping' LANGUAGE C STABLE;

CREATE FUNCTION arka._dry_run(tbl regclass, row_limit bigint) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'arka_dry_run' LANGUAGE C STABLE;

CREATE VIEW arka.protected_tables AS
	SELECT format('%I.%I', n.nspname, c.relname) AS table_name,
		   p.mode, p.jurisdictions, p.domains, p.mapping,
		   CASE WHEN p.mode = 'async' THEN 'none (arka-cdc evaluates)'
				WHEN t.oid IS NULL THEN 'MISSING'
				WHEN t.tgenabled = 'A' THEN 'enabled always'
				ELSE 'NOT ENABLED ALWAYS (' || t.tgenabled::text || ')' END AS trigger,
		   p.protected_at, p.protected_by
	FROM arka.protections p
	JOIN pg_catalog.pg_class c ON c.oid = p.relid
	JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	LEFT JOIN pg_catalog.pg_trigger t ON t.tgrelid = p.relid AND t.tgname = 'zz_arka_enforce';
COMMENT ON VIEW arka.protected_tables IS 'protected tables and the state of their enforcement trigger';

CREATE FUNCTION arka_protect(tbl regclass, mode text DEFAULT 'block',
							 jurisdictions text[] DEFAULT NULL, domains text[] DEFAULT NULL,
							 mapping jsonb DEFAULT NULL)
	RETURNS jsonb
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	kind	"char";
	report	jsonb;
	late	text;
BEGIN
	IF tbl IS NULL OR mode IS NULL THEN
		RAISE EXCEPTION 'table and mode must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF mode NOT IN ('block', 'log', 'async') THEN
		RAISE EXCEPTION 'invalid protection mode "%"', mode
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use block (reject blocking outcomes), log (record, never reject) or async (arka-cdc only).';
	END IF;
	SELECT c.relkind INTO kind FROM pg_class c WHERE c.oid = tbl;
	IF kind NOT IN ('r', 'p') THEN
		RAISE EXCEPTION '"%" is not a table', tbl
			USING ERRCODE = 'wrong_object_type',
				  HINT = 'arka protects ordinary and partitioned tables.';
	END IF;
	PERFORM arka._check_mapping(tbl, mapping);
	SELECT string_agg(quote_ident(t.tgname) || ' on ' || t.tgrelid::regclass::text, ', ') INTO late
	FROM (SELECT tbl UNION SELECT relid FROM pg_partition_tree(tbl)) pt(relid)
	JOIN pg_trigger t ON t.tgrelid = pt.relid
	WHERE NOT t.tgisinternal AND t.tgname > 'zz_arka_enforce'
	  AND (t.tgtype & 3) = 3 AND (t.tgtype & 20) <> 0;
	IF late IS NOT NULL AND mode <> 'async' THEN
		RAISE EXCEPTION 'trigger % would run after arka''s check', late
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'BEFORE ROW triggers fire in name order; a row changed after zz_arka_enforce would be written unchecked.',
				  HINT = 'Rename the trigger so that its name sorts before "zz_arka_enforce".';
	END IF;

	-- The order matters to the DDL guard (arka._guard_ddl): the protection
	-- row goes first and comes back last, once the trigger fires always.
	DELETE FROM arka.protections p WHERE p.relid = tbl;
	IF EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = tbl AND t.tgname = 'zz_arka_enforce') THEN
		EXECUTE format('DROP TRIGGER zz_arka_enforce ON %s', tbl);
	END IF;
	IF mode <> 'async' THEN
		-- named to sort last: BEFORE ROW triggers fire in name order, so arka
		-- checks the row other triggers have finished changing
		EXECUTE format('CREATE TRIGGER zz_arka_enforce BEFORE INSERT OR UPDATE ON %s '
					   'FOR EACH ROW EXECUTE FUNCTION arka._enforce()', tbl);
		-- fires under session_replication_role = replica too (docs/protect.md)
		EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER zz_arka_enforce', tbl);
	END IF;
	INSERT INTO arka.protections (relid, mode, jurisdictions, domains, mapping)
	VALUES (tbl, mode, jurisdictions, domains, mapping);

	-- what protection would have done to the rows already there
	report := arka._dry_run(tbl, current_setting('arka.dry_run_limit')::bigint);
	RETURN jsonb_build_object('table', tbl::text, 'mode', mode) || report;
END
$$;
COMMENT ON FUNCTION arka_protect(regclass, text, text[], text[], jsonb) IS
	'protect a table: its rows are evaluated on INSERT and UPDATE; reports what existing rows would give';

CREATE FUNCTION arka_unprotect(tbl regclass)
	RETURNS void
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	-- the protection row goes before the trigger, so the DDL guard allows it
	DELETE FROM arka.protections p WHERE p.relid = tbl;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'table % is not protected by arka', tbl
			USING ERRCODE = 'undefined_object';
	END IF;
	IF EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = tbl AND t.tgname = 'zz_arka_enforce') THEN
		EXECUTE format('DROP TRIGGER zz_arka_enforce ON %s', tbl);
	END IF;
END
$$;
COMMENT ON FUNCTION arka_unprotect(regclass) IS 'stop protecting a table';

-- DDL that would silently end a protection is refused: disabling or
-- renaming the trigger (here), dropping it (arka._forget_dropped), or adding
-- a BEFORE ROW trigger that would run after arka's check.  Only
-- arka_protect/arka_unprotect change protection.  A restore from pg_dump
-- passes: it creates the trigger and enables it always in one step.
CREATE FUNCTION arka._guard_ddl() RETURNS event_trigger
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	r		record;
BEGIN
	-- the table and every partition carry the trigger, enabled always
	FOR r IN
		SELECT pt.relid AS tbl, t.oid AS tgoid, t.tgenabled
		FROM arka.protections p
		JOIN pg_class c ON c.oid = p.relid
		-- the table itself (pg_partition_tree lists nothing for a plain table) and its partitions
		CROSS JOIN LATERAL (SELECT p.relid UNION SELECT relid FROM pg_partition_tree(p.relid)) pt(relid)
		LEFT JOIN pg_trigger t ON t.tgrelid = pt.relid AND t.tgname = 'zz_arka_enforce'
		WHERE p.mode <> 'async'
		  AND ((t.oid IS NOT NULL AND t.tgenabled <> 'A' AND TG_TAG IN ('ALTER TABLE', 'ALTER TRIGGER'))
			   OR (t.oid IS NULL AND TG_TAG = 'ALTER TRIGGER'))
	LOOP
		RAISE EXCEPTION 'arka protects table %: its trigger zz_arka_enforce must stay enabled always', r.tbl
			USING ERRCODE = 'dependent_objects_still_exist',
				  DETAIL = CASE WHEN r.tgoid IS NULL THEN 'The statement renamed the trigger.'
								ELSE 'The statement changed the trigger to state ' || r.tgenabled::text || '.' END,
				  HINT = 'An arka administrator can call arka_unprotect() or arka_protect(..., mode => ''log'').';
	END LOOP;
	FOR r IN
		SELECT pt.relid AS tbl, t.tgname
		FROM arka.protections p
		-- the table itself (pg_partition_tree lists nothing for a plain table) and its partitions
		CROSS JOIN LATERAL (SELECT p.relid UNION SELECT relid FROM pg_partition_tree(p.relid)) pt(relid)
		JOIN pg_trigger t ON t.tgrelid = pt.relid
		WHERE p.mode <> 'async' AND NOT t.tgisinternal AND t.tgname > 'zz_arka_enforce'
		  AND (t.tgtype & 3) = 3 AND (t.tgtype & 20) <> 0
	LOOP
		RAISE EXCEPTION 'trigger "%" on % would run after arka''s check', r.tgname, r.tbl
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'BEFORE ROW triggers fire in name order; a row changed after zz_arka_enforce would be written unchecked.',
				  HINT = 'Give the trigger a name that sorts before "zz_arka_enforce".';
	END LOOP;
END
$$;

-- a dropped table takes its protection with it; dropping the trigger of a
-- table that stays protected is refused
CREATE FUNCTION arka._forget_dropped() RETURNS event_trigger
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	r		record;
BEGIN
	DELETE FROM arka.protections p
	WHERE p.relid::oid IN (SELECT objid FROM pg_event_trigger_dropped_objects()
						   WHERE object_type IN ('table', 'partitioned table'));
	FOR r IN
		SELECT d.object_identity, p.relid
		FROM pg_event_trigger_dropped_objects() d
		JOIN arka.protections p
		  ON p.relid = to_regclass(format('%I.%I', d.address_names[1], d.address_names[2]))
		WHERE d.object_type = 'trigger' AND d.address_names[3] = 'zz_arka_enforce'
		  AND p.mode <> 'async'
	LOOP
		RAISE EXCEPTION 'arka protects table %: its trigger zz_arka_enforce cannot be dropped', r.relid
			USING ERRCODE = 'dependent_objects_still_exist',
				  DETAIL = 'The statement dropped ' || r.object_identity || '.',
				  HINT = 'An arka administrator can call arka_unprotect().';
	END LOOP;
END
$$;

CREATE EVENT TRIGGER arka_guard_ddl ON ddl_command_end
	WHEN TAG IN ('ALTER TABLE', 'DROP TRIGGER', 'CREATE TRIGGER', 'ALTER TRIGGER')
	EXECUTE FUNCTION arka._guard_ddl();
CREATE EVENT TRIGGER arka_forget_dropped ON sql_drop
	EXECUTE FUNCTION arka._forget_dropped();
-- like the table trigger, the guards fire under session_replication_role = replica too
ALTER EVENT TRIGGER arka_guard_ddl ENABLE ALWAYS;
ALTER EVENT TRIGGER arka_forget_dropped ENABLE ALWAYS;

-------------------------------------------------------------------------------
-- Sanctions screening: watchlists, their entries, cleared false positives
-------------------------------------------------------------------------------
CREATE TABLE arka.watchlists (
	list_name	text PRIMARY KEY
				CONSTRAINT watchlist_name_format CHECK (list_name ~ '^[a-z][a-z0-9_]{0,62}$'),
	source		text,
	source_sha256 text NOT NULL,
	entries_sha256 text NOT NULL DEFAULT '',
	entry_count	integer NOT NULL,
	alias_count	integer NOT NULL,
	identifier_count integer NOT NULL,
	min_score	float8 NOT NULL DEFAULT 0.91 CHECK (min_score > 0 AND min_score <= 1),
	loaded_at	timestamptz NOT NULL DEFAULT now(),
	loaded_by	name NOT NULL DEFAULT current_user
);
COMMENT ON TABLE arka.watchlists IS 'one row per loaded sanctions list: version (source hash), counts, default threshold';
SELECT pg_catalog.pg_extension_config_dump('arka.watchlists', '');

CREATE TABLE arka.watchlist_entries (
	list_name	text NOT NULL REFERENCES arka.watchlists ON DELETE CASCADE,
	entry_id	text NOT NULL,
	type		text NOT NULL CHECK (type IN ('individual', 'entity', 'vessel', 'aircraft', 'unknown')),
	name		text NOT NULL,
	aliases		jsonb NOT NULL DEFAULT '[]',
	programs	text[] NOT NULL DEFAULT '{}',
	countries	text[] NOT NULL DEFAULT '{}',
	addresses	jsonb NOT NULL DEFAULT '[]',
	identifiers	jsonb NOT NULL DEFAULT '[]',
	remarks		text,
	PRIMARY KEY (list_name, entry_id)
);
COMMENT ON TABLE arka.watchlist_entries IS
	'entries of the loaded lists: names, aliases (weak ones from OFAC Remarks marked weak), programs, countries, addresses, identifiers';
SELECT pg_catalog.pg_extension_config_dump('arka.watchlist_entries', '');

CREATE TABLE arka.match_clearances (
	list_name	text NOT NULL,
	entry_id	text NOT NULL,
	name		text NOT NULL,
	name_normalized text NOT NULL,
	reason		text NOT NULL,
	cleared_by	name NOT NULL DEFAULT current_user,
	cleared_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (list_name, entry_id, name_normalized)
);
COMMENT ON TABLE arka.match_clearances IS
	'false positives cleared by a person: exactly this name no longer matches this entry';
SELECT pg_catalog.pg_extension_config_dump('arka.match_clearances', '');

CREATE TRIGGER watchlists_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON arka.watchlists
	FOR EACH STATEMENT EXECUTE FUNCTION arka._invalidate_cache();
CREATE TRIGGER clearances_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON arka.match_clearances
	FOR EACH STATEMENT EXECUTE FUNCTION arka._invalidate_cache();

-- A list's version covers its entries: a load, a restore's COPY or an entry
-- corrected by hand changes entries_sha256 (the hash of every entry, in
-- entry_id order), and so the list's digest in the ruleset, and every
-- backend compiles the list again.  Only the lists a statement touched are
-- hashed again (transition tables), each under its loader's advisory lock:
-- two concurrent hand edits of one list then hash in turn, the second with
-- a snapshot that sees the first (read committed; under repeatable read the
-- second fails to update the watchlists row, as a serialisation error).  A
-- logical replication apply worker fires no statement trigger: it applies
-- the publisher's entries_sha256 with the publisher's entries.
-- The hash of a list's entries, as arka.watchlists.entries_sha256 holds it.
-- arka-cdc computes it too, in the snapshot it reads the entries from, to
-- know it compiles the version a row was written under.
CREATE FUNCTION arka._entries_sha256(p_list text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT encode(sha256(convert_to(coalesce(string_agg(length(e.r) || ':' || e.r, E'\n'
													   ORDER BY e.entry_id COLLATE "C"), ''), 'UTF8')), 'hex')
	FROM (SELECT x.entry_id,
				 ROW(x.entry_id, x.type, x.name, x.aliases, x.programs, x.countries,
					 x.addresses, x.identifiers, x.remarks)::text AS r
		  FROM arka.watchlist_entries x
		  WHERE x.list_name = p_list) e
$$;
COMMENT ON FUNCTION arka._entries_sha256(text) IS
	'hash of a watchlist''s entries in entry_id order (arka.watchlists.entries_sha256)';

CREATE FUNCTION arka._hash_entries_of(p_lists text[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	l			text;
BEGIN
	FOR l IN SELECT DISTINCT x COLLATE "C" FROM unnest(p_lists) AS x ORDER BY 1
	LOOP
		PERFORM pg_advisory_xact_lock(hashtext('arka.watchlist:' || l));
	END LOOP;
	UPDATE arka.watchlists w
	SET entries_sha256 = h.sha
	FROM (SELECT l.list_name, arka._entries_sha256(l.list_name) AS sha
		  FROM arka.watchlists l
		  WHERE l.list_name = ANY (p_lists)) h
	WHERE w.list_name = h.list_name AND w.entries_sha256 IS DISTINCT FROM h.sha;
END
$$;
-- the lists a statement on arka.watchlist_entries wrote (from its
-- transition tables; all of them for TRUNCATE), hashed again
CREATE FUNCTION arka._hash_written_entries() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM arka._hash_entries_of(ARRAY(SELECT DISTINCT list_name FROM new_entries));
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM arka._hash_entries_of(ARRAY(SELECT DISTINCT list_name FROM old_entries));
	ELSIF TG_OP = 'UPDATE' THEN
		PERFORM arka._hash_entries_of(ARRAY(SELECT list_name FROM old_entries
											UNION SELECT list_name FROM new_entries));
	ELSE
		PERFORM arka._hash_entries_of(ARRAY(SELECT list_name FROM arka.watchlists));
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER entries_inserted AFTER INSERT ON arka.watchlist_entries
	REFERENCING NEW TABLE AS new_entries
	FOR EACH STATEMENT EXECUTE FUNCTION arka._hash_written_entries();
CREATE TRIGGER entries_updated AFTER UPDATE ON arka.watchlist_entries
	REFERENCING OLD TABLE AS old_entries NEW TABLE AS new_entries
	FOR EACH STATEMENT EXECUTE FUNCTION arka._hash_written_entries();
CREATE TRIGGER entries_deleted AFTER DELETE ON arka.watchlist_entries
	REFERENCING OLD TABLE AS old_entries
	FOR EACH STATEMENT EXECUTE FUNCTION arka._hash_written_entries();
CREATE TRIGGER entries_truncated AFTER TRUNCATE ON arka.watchlist_entries
	FOR EACH STATEMENT EXECUTE FUNCTION arka._hash_written_entries();

-- A watchlist's entries as the name matcher compiles them (the backend on
-- first use, arka-cdc when a list it screens against changes), in one
-- order: aliases split by strength, identifiers as pairs of type and value.
-- Elements without a name, type or value have nothing to match and are
-- left out.
CREATE FUNCTION arka._watchlist_rows(p_list text)
	RETURNS TABLE (entry_id text, type text, name text, aliases text[], weak_aliases text[],
				   id_types text[], id_values text[], programs text[], countries text[],
				   min_score float8)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT e.entry_id, e.type, e.name,
		   (SELECT coalesce(array_agg(a->>'name'), '{}') FROM jsonb_array_elements(e.aliases) a
			WHERE a->>'name' IS NOT NULL AND a->>'strength' IS DISTINCT FROM 'weak'),
		   (SELECT coalesce(array_agg(a->>'name'), '{}') FROM jsonb_array_elements(e.aliases) a
			WHERE a->>'name' IS NOT NULL AND a->>'strength' = 'weak'),
		   (SELECT coalesce(array_agg(i->>'type'), '{}') FROM jsonb_array_elements(e.identifiers) i
			WHERE i->>'type' IS NOT NULL AND i->>'value' IS NOT NULL),
		   (SELECT coalesce(array_agg(i->>'value'), '{}') FROM jsonb_array_elements(e.identifiers) i
			WHERE i->>'type' IS NOT NULL AND i->>'value' IS NOT NULL),
		   array_remove(e.programs, NULL), array_remove(e.countries, NULL), w.min_score
	FROM arka.watchlist_entries e JOIN arka.watchlists w USING (list_name)
	WHERE e.list_name = p_list
	ORDER BY e.entry_id COLLATE "C"
$$;
COMMENT ON FUNCTION arka._watchlist_rows(text) IS
	'a watchlist''s entries as the name matcher compiles them';

-------------------------------------------------------------------------------
-- The catalog's invalidation and immutability triggers fire whatever
-- session_replication_role is: a rule changed under "replica" reaches the
-- caches like any other, and rule versions stay immutable.  A logical
-- replication apply worker fires row triggers only, so the invalidation
-- also runs as a row trigger enabled for replicas (a replica-mode session
-- runs both; twice is harmless).  rules_validate and lists_in_use stay
-- origin-only: a table synchronisation copies the tables in parallel, so a
-- rule may arrive before its list (a bad active rule fails every
-- evaluation with XX001, never silently).
-------------------------------------------------------------------------------
ALTER TABLE arka.rules ENABLE ALWAYS TRIGGER rules_immutable,
	ENABLE ALWAYS TRIGGER rules_no_truncate, ENABLE ALWAYS TRIGGER rules_changed;
ALTER TABLE arka.lists ENABLE ALWAYS TRIGGER lists_changed;
ALTER TABLE arka.list_items ENABLE ALWAYS TRIGGER list_items_changed;
ALTER TABLE arka.protections ENABLE ALWAYS TRIGGER protections_changed;
ALTER TABLE arka.watchlists ENABLE ALWAYS TRIGGER watchlists_changed;
ALTER TABLE arka.match_clearances ENABLE ALWAYS TRIGGER clearances_changed;
ALTER TABLE arka.watchlist_entries ENABLE ALWAYS TRIGGER entries_inserted,
	ENABLE ALWAYS TRIGGER entries_updated, ENABLE ALWAYS TRIGGER entries_deleted,
	ENABLE ALWAYS TRIGGER entries_truncated;

DO $$
DECLARE
	t		text;
BEGIN
	FOREACH t IN ARRAY ARRAY['rules', 'lists', 'list_items', 'protections', 'watchlists', 'match_clearances']
	LOOP
		EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON arka.%I '
					   'FOR EACH ROW EXECUTE FUNCTION arka._invalidate_cache()', t || '_replicated', t);
		EXECUTE format('ALTER TABLE arka.%I ENABLE REPLICA TRIGGER %I', t, t || '_replicated');
	END LOOP;
END
$$;

CREATE FUNCTION arka._parse_ofac(sdn text, alt text, addr text) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'arka_parse_ofac' LANGUAGE C IMMUTABLE;
CREATE FUNCTION arka._normalize_name(name text) RETURNS text
	AS 'MODULE_PATHNAME', 'arka_normalize_name' LANGUAGE C IMMUTABLE STRICT;

CREATE FUNCTION arka._load_watchlist(p_list text, p_entries jsonb, p_source text,
									 p_sha256 text, p_min_score float8)
	RETURNS integer
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	n		integer;
BEGIN
	IF p_list IS NULL OR p_entries IS NULL THEN
		RAISE EXCEPTION 'list name and entries must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF jsonb_typeof(p_entries) <> 'array' THEN
		RAISE EXCEPTION 'watchlist entries must be a JSON array of entry objects'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'See docs/watchlists.md for the entry shape.';
	END IF;
	IF p_list !~ '^[a-z][a-z0-9_]{0,62}$' THEN
		RAISE EXCEPTION 'invalid watchlist name "%"', p_list
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'A list name is lower-case letters, digits and "_", starting with a letter.';
	END IF;
	-- one loader at a time per list; writers are never blocked: they keep
	-- screening against the version committed before this transaction
	PERFORM pg_advisory_xact_lock(hashtext('arka.watchlist:' || p_list));
	INSERT INTO arka.watchlists AS w (list_name, source, source_sha256, entry_count, alias_count,
									  identifier_count, min_score)
	VALUES (p_list, p_source, coalesce(p_sha256, encode(sha256(convert_to(p_entries::text, 'UTF8')), 'hex')),
			0, 0, 0, coalesce(p_min_score, 0.91))
	ON CONFLICT (list_name) DO UPDATE
		SET source = EXCLUDED.source, source_sha256 = EXCLUDED.source_sha256,
			min_score = coalesce(p_min_score, w.min_score),
			loaded_at = now(), loaded_by = current_user;
	DELETE FROM arka.watchlist_entries e WHERE e.list_name = p_list;
	INSERT INTO arka.watchlist_entries (list_name, entry_id, type, name, aliases, programs,
										countries, addresses, identifiers, remarks)
	SELECT p_list, x.entry_id, coalesce(x.type, 'unknown'), x.name,
		   coalesce(x.aliases, '[]'), coalesce(x.programs, '{}'), coalesce(x.countries, '{}'),
		   coalesce(x.addresses, '[]'), coalesce(x.identifiers, '[]'), x.remarks
	FROM jsonb_to_recordset(p_entries) AS x(entry_id text, type text, name text, aliases jsonb,
											programs text[], countries text[], addresses jsonb,
											identifiers jsonb, remarks text);
	GET DIAGNOSTICS n = ROW_COUNT;
	UPDATE arka.watchlists w
	SET entry_count = n,
		alias_count = (SELECT coalesce(sum(jsonb_array_length(e.aliases)), 0) FROM arka.watchlist_entries e WHERE e.list_name = p_list),
		identifier_count = (SELECT coalesce(sum(jsonb_array_length(e.identifiers)), 0) FROM arka.watchlist_entries e WHERE e.list_name = p_list)
	WHERE w.list_name = p_list;
	RETURN n;
END
$$;

CREATE FUNCTION arka_load_watchlist(list_name text, entries jsonb)
	RETURNS integer
	LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	SELECT arka._load_watchlist($1, $2, 'arka_load_watchlist', NULL, NULL)
$$;
COMMENT ON FUNCTION arka_load_watchlist(text, jsonb) IS
	'load or replace a watchlist atomically from a JSON array of entries (docs/watchlists.md)';

CREATE FUNCTION arka_load_ofac(sdn text, alt text DEFAULT NULL, addr text DEFAULT NULL,
							   list_name text DEFAULT 'ofac_sdn')
	RETURNS integer
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	parsed	jsonb;
BEGIN
	-- a malformed file fails here, naming file and line, before anything changes
	parsed := arka._parse_ofac(sdn, alt, addr);
	RETURN arka._load_watchlist(arka_load_ofac.list_name, parsed->'entries',
								'OFAC legacy CSV ' || (parsed->'stats')::text,
								parsed->>'sha256', NULL);
END
$$;
COMMENT ON FUNCTION arka_load_ofac(text, text, text, text) IS
	'load OFAC''s sdn.csv (and alt.csv, add.csv) contents as a watchlist, atomically';

CREATE FUNCTION arka_screen(name text, min_score float8 DEFAULT NULL, lists text[] DEFAULT NULL,
							max_results integer DEFAULT 10)
	RETURNS TABLE (list_name text, entry_id text, matched_name text, score float8, entry jsonb)
	AS 'MODULE_PATHNAME', 'arka_screen'
	LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 10;
COMMENT ON FUNCTION arka_screen(text, float8, text[], integer) IS
	'screen a name against the loaded watchlists: best matches first, with their evidence';

CREATE FUNCTION arka_watchlist_stats()
	RETURNS TABLE (list_name text, entries bigint, names bigint, memory_bytes bigint, build_ms float8)
	AS 'MODULE_PATHNAME', 'arka_watchlist_stats'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION arka_watchlist_stats() IS
	'watchlists compiled in this backend: names indexed, memory, first-use build time';

CREATE FUNCTION arka_clear_match(list_name text, entry_id text, name text, reason text)
	RETURNS void
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	norm	text;
BEGIN
	IF reason IS NULL OR length(trim(reason)) = 0 THEN
		RAISE EXCEPTION 'a cleared match needs a reason' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM arka.watchlist_entries e
				   WHERE e.list_name = arka_clear_match.list_name AND e.entry_id = arka_clear_match.entry_id) THEN
		RAISE EXCEPTION 'entry % of watchlist % does not exist', arka_clear_match.entry_id, arka_clear_match.list_name
			USING ERRCODE = 'undefined_object';
	END IF;
	norm := arka._normalize_name(arka_clear_match.name);
	INSERT INTO arka.match_clearances (list_name, entry_id, name, name_normalized, reason)
	VALUES (arka_clear_match.list_name, arka_clear_match.entry_id, arka_clear_match.name, norm, reason)
	ON CONFLICT ON CONSTRAINT match_clearances_pkey DO UPDATE
		SET name = EXCLUDED.name, reason = EXCLUDED.reason,
			cleared_by = current_user, cleared_at = now();
	-- the clearance is itself a decision on record
	INSERT INTO arka.decisions (table_name, row_key, operation, mode, outcome, violations,
								rule_versions, note)
	VALUES ('arka.match_clearances',
			jsonb_build_object('list_name', arka_clear_match.list_name, 'entry_id', arka_clear_match.entry_id,
							   'name', norm),
			'CHECK', 'clearance', 'allow', '[]', '{}',
			'cleared false positive: ' || reason);
END
$$;
COMMENT ON FUNCTION arka_clear_match(text, text, text, text) IS
	'record that a name is not this watchlist entry (a human-cleared false positive)';

-------------------------------------------------------------------------------
-- arka-cdc: flags on committed rows, persisted rejected attempts, progress
-------------------------------------------------------------------------------
CREATE TABLE arka.flags (
	table_name	text NOT NULL,
	row_key		jsonb,
	operation	text NOT NULL CHECK (operation IN ('INSERT', 'UPDATE')),
	commit_lsn	pg_lsn NOT NULL,
	change_seq	integer NOT NULL,
	xid			bigint,
	committed_at timestamptz,
	kind		text NOT NULL CHECK (kind IN ('violation', 'bypass')),
	outcome		text NOT NULL CHECK (outcome IN ('review', 'block')),
	violations	jsonb NOT NULL,
	rule_versions jsonb,
	ruleset_version text,
	proof_id	text,
	note		text,
	flagged_at	timestamptz NOT NULL DEFAULT now(),
	-- a flag is identified by its change: the transaction's commit LSN and
	-- the change's position in it.  Writing a flag twice is impossible
	-- (exactly once), and the key orders flags as the stream did.  No
	-- surrogate id: its sequence and index cost every flag a second
	-- B-tree insertion and WAL record (docs/cdc.md, "Performance").
	PRIMARY KEY (commit_lsn, change_seq)
);
-- as for arka.decisions: equality lookups by row key, cheap to maintain
CREATE INDEX flags_row_key ON arka.flags USING hash (row_key);
COMMENT ON TABLE arka.flags IS
	'committed rows arka-cdc judged review or block; kind bypass = a block outcome written to a table in block mode';
SELECT pg_catalog.pg_extension_config_dump('arka.flags', '');

CREATE TABLE arka.rejections (
	rejection_id bigserial PRIMARY KEY,
	table_name	text NOT NULL,
	row_key		jsonb,
	operation	text,
	outcome		text NOT NULL,
	violations	jsonb NOT NULL,
	proof_id	text,
	attempted_by text,
	message_lsn	pg_lsn NOT NULL CONSTRAINT rejections_message_once UNIQUE,
	rejected_at	timestamptz NOT NULL,
	recorded_at	timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE arka.rejections IS
	'writes the enforcement trigger rejected, persisted by arka-cdc from the logical messages they left';
SELECT pg_catalog.pg_extension_config_dump('arka.rejections', '');
SELECT pg_catalog.pg_extension_config_dump('arka.rejections_rejection_id_seq', '');

CREATE TABLE arka.cdc_progress (
	slot_name	text PRIMARY KEY,
	lsn			pg_lsn NOT NULL,
	changes		bigint NOT NULL DEFAULT 0,
	flags		bigint NOT NULL DEFAULT 0,
	rejections	bigint NOT NULL DEFAULT 0,
	updated_at	timestamptz NOT NULL DEFAULT now(),
	catalog		jsonb
);
COMMENT ON TABLE arka.cdc_progress IS
	'the WAL position up to which arka-cdc has committed its work, per slot (written in the same transaction as the flags)';
COMMENT ON COLUMN arka.cdc_progress.catalog IS
	'arka-cdc''s copy of rules, lists and protections as of lsn: where it resumes after a restart';
SELECT pg_catalog.pg_extension_config_dump('arka.cdc_progress', '');

CREATE VIEW arka.cdc_status AS
	SELECT p.slot_name, p.lsn AS processed_lsn, s.confirmed_flush_lsn, s.active,
		   s.wal_status,
		   pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), p.lsn) AS lag_bytes,
		   now() - p.updated_at AS since_last_progress,
		   p.changes, p.flags, p.rejections, p.updated_at
	FROM arka.cdc_progress p
	LEFT JOIN pg_catalog.pg_replication_slots s ON s.slot_name = p.slot_name;
COMMENT ON VIEW arka.cdc_status IS 'arka-cdc progress and lag per slot';

-------------------------------------------------------------------------------
-- Privileges: only the extension owner, or roles it grants, change rules,
-- lists and packs; everyone may evaluate.
-------------------------------------------------------------------------------
REVOKE ALL ON FUNCTION arka._define_rule(text, jsonb, text, text, text, text, text, date, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION arka_define_rule(text, jsonb, text, text, text, text, text, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION arka_disable_rule(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION arka._set_list(text, text[], text, text, date, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION arka_set_list(text, text[], text, text, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION arka_drop_list(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION arka_install_pack(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION arka._read_pack(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION arka._check_logic(jsonb, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION arka._hash_entries_of(text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION arka_protect(regclass, text, text[], text[], jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION arka_unprotect(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION arka._check_mapping(regclass, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION arka._dry_run(regclass, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION arka._load_watchlist(text, jsonb, text, text, float8) FROM PUBLIC;
REVOKE ALL ON FUNCTION arka_load_watchlist(text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION arka_load_ofac(text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION arka_clear_match(text, text, text, text) FROM PUBLIC;

CREATE FUNCTION arka_grant_admin(role regrole)
	RETURNS void
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	EXECUTE format('GRANT USAGE ON SCHEMA arka TO %s', role);
	EXECUTE format('GRANT SELECT, INSERT ON arka.rules TO %s', role);
	EXECUTE format('GRANT SELECT ON arka.active_rules TO %s', role);
	EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON arka.lists, arka.list_items, arka.packs, arka.protections, '
				   'arka.watchlists, arka.watchlist_entries, arka.match_clearances TO %s', role);
	EXECUTE format('GRANT INSERT ON arka.decisions TO %s', role);
	EXECUTE format('GRANT USAGE ON SEQUENCE arka.decisions_decision_id_seq TO %s', role);
	EXECUTE format('GRANT SELECT ON arka.decisions, arka.protected_tables, arka.flags, '
				   'arka.rejections, arka.cdc_progress, arka.cdc_status TO %s', role);
	EXECUTE format('GRANT EXECUTE ON FUNCTION arka._define_rule(text, jsonb, text, text, text, text, text, date, text), '
				   '@extschema@.arka_define_rule(text, jsonb, text, text, text, text, text, date), '
				   '@extschema@.arka_disable_rule(text), arka._set_list(text, text[], text, text, date, text), '
				   '@extschema@.arka_set_list(text, text[], text, text, date), @extschema@.arka_drop_list(text), '
				   '@extschema@.arka_install_pack(text), arka._read_pack(text), arka._check_logic(jsonb, boolean), '
				   '@extschema@.arka_protect(regclass, text, text[], text[], jsonb), @extschema@.arka_unprotect(regclass), '
				   'arka._check_mapping(regclass, jsonb), arka._dry_run(regclass, bigint), '
				   'arka._load_watchlist(text, jsonb, text, text, float8), @extschema@.arka_load_watchlist(text, jsonb), '
				   '@extschema@.arka_load_ofac(text, text, text, text), @extschema@.arka_clear_match(text, text, text, text), '
				   'arka._hash_entries_of(text[]) TO %s', role);
END
$$;
REVOKE ALL ON FUNCTION arka_grant_admin(regrole) FROM PUBLIC;
COMMENT ON FUNCTION arka_grant_admin(regrole) IS
	'let a role define rules, lists and packs (run as the extension owner)';

CREATE FUNCTION arka_grant_cdc(role regrole)
	RETURNS void
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	EXECUTE format('GRANT USAGE ON SCHEMA arka TO %s', role);
	EXECUTE format('GRANT SELECT ON arka.rules, arka.lists, arka.list_items, arka.protections, '
				   'arka.watchlists, arka.watchlist_entries, arka.match_clearances TO %s', role);
	EXECUTE format('GRANT SELECT, INSERT, UPDATE ON arka.cdc_progress TO %s', role);
	EXECUTE format('GRANT SELECT, INSERT ON arka.flags, arka.rejections TO %s', role);
	EXECUTE format('GRANT USAGE ON SEQUENCE arka.rejections_rejection_id_seq TO %s', role);
	-- replication origins let the walsender drop arka-cdc's own writes
	-- before decoding them (docs/cdc.md); only a superuser can grant these
	IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
		EXECUTE format('GRANT EXECUTE ON FUNCTION pg_replication_origin_oid(text), '
					   'pg_replication_origin_create(text), '
					   'pg_replication_origin_session_setup(text) TO %s', role);
	ELSE
		RAISE NOTICE 'arka-cdc will run without replication origins, which makes it slower'
			USING HINT = format('As a superuser: GRANT EXECUTE ON FUNCTION pg_replication_origin_oid(text), '
								'pg_replication_origin_create(text), pg_replication_origin_session_setup(text) TO %s',
								role);
	END IF;
END
$$;
REVOKE ALL ON FUNCTION arka_grant_cdc(regrole) FROM PUBLIC;
COMMENT ON FUNCTION arka_grant_cdc(regrole) IS
	'let a role (with LOGIN REPLICATION) run arka-cdc: read the rules, write flags, rejections and progress';
