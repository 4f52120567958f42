// What a Node.js application sees when arka rejects its write (node-postgres).
//
// Run by scripts/run-tests.sh against a throwaway cluster prepared with
// setup.sql, with `pg` installed from npm into a scratch directory (NODE_PATH);
// connection settings come from the libpq environment (PGHOST, PGPORT, ...).
// Prints 'node-postgres: N passed, N failed' and exits non-zero on failure.
'use strict';
const { Client } = require('pg');

let passed = 0;
let failed = 0;
function check(cond, what) {
  if (cond) passed++;
  else { failed++; console.error('FAIL node-postgres:', what); }
}

(async () => {
  const client = new Client();
  await client.connect();

  const ok = await client.query(
    'INSERT INTO payments (amount, currency, payee_name, payee_country) VALUES ($1, $2, $3, $4) RETURNING id',
    [100, 'USD', 'Bo Chen', 'DE']);
  check(ok.rows[0].id > 0, 'compliant insert returns its id');

  try {
    await client.query(
      'INSERT INTO payments (amount, currency, payee_name, payee_country) VALUES ($1, $2, $3, $4)',
      [100, 'USD', 'F', 'KP']);
    check(false, 'insert to KP must raise');
  } catch (e) {
    check(e.code === 'ZA001', `SQLSTATE is ZA001, got ${e.code}`);
    check(e.constraint === 'us.ofac.sanctioned_country', `constraint, got ${e.constraint}`);
    check(e.table === 'payments', `table, got ${e.table}`);
    check(e.schema === 'public', `schema, got ${e.schema}`);
    check(e.message === 'row rejected by arka: us.ofac.sanctioned_country', `message, got ${e.message}`);
    const detail = JSON.parse(e.detail);
    check(detail.outcome === 'block' && detail.compliant === false, 'detail outcome');
    check(detail.violations[0].evidence['payee.country'] === 'KP', 'detail evidence');
    check(detail.proof.proof_id.length === 64, 'detail proof id');
    check(typeof e.hint === 'string' && e.hint.includes('not written'), 'hint');
  }

  const n = await client.query("SELECT count(*)::int AS n FROM payments WHERE payee_country = 'KP'");
  check(n.rows[0].n === 0, 'the rejected row was not written');
  await client.end();
  console.log(`node-postgres: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})().catch((e) => { console.error('node-postgres test crashed:', e); process.exit(1); });
