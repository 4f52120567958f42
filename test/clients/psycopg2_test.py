#!/usr/bin/python3
"""What a Python application sees when arka rejects its write (psycopg2).

Run by scripts/run-tests.sh against a throwaway cluster prepared with
setup.sql; connection settings come from the libpq environment.  Prints
'psycopg2: N passed, N failed' and exits non-zero on any failure.
"""
import json
import sys

import psycopg2
import psycopg2.errors

passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL psycopg2:", what, file=sys.stderr)


conn = psycopg2.connect("")
cur = conn.cursor()

# a compliant payment is written
cur.execute("INSERT INTO payments (amount, currency, payee_name, payee_country) "
            "VALUES (%s, %s, %s, %s) RETURNING id", (100, "USD", "Bo Chen", "DE"))
check(cur.fetchone()[0] > 0, "compliant insert returns its id")
conn.commit()

# a payment to a sanctioned country is rejected with arka's SQLSTATE and fields
try:
    cur.execute("INSERT INTO payments (amount, currency, payee_name, payee_country) "
                "VALUES (%s, %s, %s, %s)", (100, "USD", "E", "IR"))
    check(False, "insert to IR must raise")
except psycopg2.Error as e:
    diag = e.diag
    check(e.pgcode == "ZA001", "SQLSTATE is ZA001, got %s" % e.pgcode)
    check(diag.constraint_name == "us.ofac.sanctioned_country",
          "constraint name is the rule id, got %s" % diag.constraint_name)
    check(diag.table_name == "payments", "table name, got %s" % diag.table_name)
    check(diag.schema_name == "public", "schema name, got %s" % diag.schema_name)
    check(diag.message_primary == "row rejected by arka: us.ofac.sanctioned_country",
          "message, got %s" % diag.message_primary)
    detail = json.loads(diag.message_detail)
    check(detail["outcome"] == "block" and detail["compliant"] is False, "detail outcome")
    check(detail["violations"][0]["evidence"]["payee.country"] == "IR", "detail evidence")
    check(len(detail["proof"]["proof_id"]) == 64, "detail proof id")
    check(diag.message_hint is not None and "not written" in diag.message_hint, "hint")
    conn.rollback()

cur.execute("SELECT count(*) FROM payments WHERE payee_country = 'IR'")
check(cur.fetchone()[0] == 0, "the rejected row was not written")
conn.close()

print("psycopg2: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
