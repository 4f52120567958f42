#!/usr/bin/env node
/*
 * make_community_skips.mjs - regenerate test/jsonlogic/community_skips.json
 *
 * Every community case that arka fails is run through the reference
 * implementation, json-logic-js 2.0.5, and classified:
 *
 *   (a) json-logic-js disagrees with the community suite too: the suite
 *       tests behaviour beyond or unlike JSON Logic as jsonlogic.com and
 *       json-logic-js define it.  The case is skipped with a category, what
 *       json-logic-js returns, what the suite expects, and what arka returns
 *       ("arka follows json-logic-js" when arka returns what json-logic-js
 *       returns).
 *   (b) json-logic-js agrees with the suite but arka does not: skipped only
 *       for a documented deliberate difference (exact decimals, division by
 *       zero is an error); anything else is an arka bug.
 *
 * The script writes nothing and exits with status 1 if a case fits no
 * category, if arka differs from json-logic-js without a documented
 * reason, or if json-logic-js does not reproduce its known pass counts
 * (831/1138 compat-tables, 725/1136 json-logic-engine).
 *
 * How to run (from the repository root):
 *
 *   mkdir -p /tmp/oracle && (cd /tmp/oracle && npm init -y >/dev/null &&
 *       npm install json-logic-js@2.0.5)
 *   gcc -std=gnu11 -O1 -Wall -Isrc/core test/core/test_conformance.c \
 *       src/core/*.c -lsodium -lm -o /tmp/tc
 *   /tmp/tc ../shared/data/jsonlogic test/jsonlogic -v > /tmp/failing.txt
 *   node test/jsonlogic/make_community_skips.mjs /tmp/failing.txt \
 *       > /tmp/community_skips.json &&
 *       mv /tmp/community_skips.json test/jsonlogic/community_skips.json
 *
 * With -v the runner prints every failing community case as a FAILING
 * line, whether the current skip list names it or not, so the list can be
 * regenerated from itself; a skipped case that now passes simply drops out.
 * Then run the runner again: it must report 0 failed.
 *
 * Options: --data DIR    the jsonlogic data folder (default: the
 *                        shared/data/jsonlogic folder next to the repo)
 *          --oracle DIR  the json-logic-js package folder (default:
 *                        /tmp/oracle/node_modules/json-logic-js)
 *
 * Output: a JSON array, one entry per line, sorted by repo, file and case
 * position: {"repo","file","description"[,"index"],"category","reason"}.
 * "index" (the 0-based position in the file's top-level array) is given
 * only when the description is missing (old [rule, data, expected] form)
 * or shared by several cases of the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPOS = ['compat-tables', 'json-logic-engine'];
const JLJS_EXPECTED_PASSES = { 'compat-tables': 831, 'json-logic-engine': 725 };

/* ---------- arguments ---------- */
let failingPath = null;
let dataDir = path.resolve(here, '../../../shared/data/jsonlogic');
let oracleDir = '/tmp/oracle/node_modules/json-logic-js';
{
	const argv = process.argv.slice(2);
	for (let i = 0; i < argv.length; i++) {
		if (argv[i] === '--data') dataDir = argv[++i];
		else if (argv[i] === '--oracle') oracleDir = argv[++i];
		else if (failingPath === null) failingPath = argv[i];
		else usage();
	}
	if (!failingPath) usage();
}
function usage() {
	process.stderr.write('usage: node make_community_skips.mjs <runner -v output> [--data DIR] [--oracle DIR]\n');
	process.exit(2);
}

const oraclePkg = JSON.parse(fs.readFileSync(path.join(oracleDir, 'package.json'), 'utf8'));
if (oraclePkg.name !== 'json-logic-js' || oraclePkg.version !== '2.0.5') {
	process.stderr.write(`oracle at ${oracleDir} is ${oraclePkg.name}@${oraclePkg.version}, need json-logic-js@2.0.5\n`);
	process.exit(1);
}
const jsonLogic = createRequire(path.join(oracleDir, 'package.json'))('./logic.js');

/* ---------- helpers ---------- */

/* Operators json-logic-js 2.0.5 knows (its operations table plus the control forms in apply). */
const JLJS_OPS = new Set(['==', '===', '!=', '!==', '>', '>=', '<', '<=', '!!', '!', '%', 'log',
	'in', 'cat', 'substr', '+', '*', '-', '/', 'min', 'max', 'merge', 'var', 'missing',
	'missing_some', 'if', '?:', 'and', 'or', 'filter', 'map', 'reduce', 'all', 'none', 'some']);

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isOp = (v) => isPlainObject(v) && Object.keys(v).length === 1;

/* Operators in a rule that json-logic-js does not know (not looking inside them). */
function extensionOps(rule, out = []) {
	if (Array.isArray(rule)) rule.forEach((r) => extensionOps(r, out));
	else if (isOp(rule)) {
		const op = Object.keys(rule)[0];
		if (!JLJS_OPS.has(op)) { if (!out.includes(op)) out.push(op); }
		else extensionOps(rule[op], out);
	}
	return out;
}

function containsEmptyObject(v) {
	if (Array.isArray(v)) return v.some(containsEmptyObject);
	if (isPlainObject(v)) return Object.keys(v).length === 0 || Object.values(v).some(containsEmptyObject);
	return false;
}

/* A JavaScript value as JavaScript would show it (NaN, Infinity, undefined kept). */
function jsShow(v) {
	if (v === undefined) return 'undefined';
	if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
	if (Object.is(v, -0)) return '-0';
	if (Array.isArray(v)) return '[' + v.map(jsShow).join(',') + ']';
	if (isPlainObject(v)) return '{' + Object.keys(v).map((k) => JSON.stringify(k) + ':' + jsShow(v[k])).join(',') + '}';
	return JSON.stringify(v);
}

/* Minimal JSON parser that keeps each number's text (arka's exact decimals). */
class Num { constructor(text) { this.text = text; } }
function parseExact(text) {
	let i = 0;
	const ws = () => { while (/\s/.test(text[i] || '')) i++; };
	function value() {
		ws();
		const c = text[i];
		if (c === '{') {
			i++; const o = {}; ws();
			if (text[i] === '}') { i++; return o; }
			for (;;) {
				ws(); const k = value(); ws(); i++; /* : */
				o[k] = value(); ws();
				if (text[i++] === '}') return o;
			}
		}
		if (c === '[') {
			i++; const a = []; ws();
			if (text[i] === ']') { i++; return a; }
			for (;;) {
				a.push(value()); ws();
				if (text[i++] === ']') return a;
			}
		}
		if (c === '"') {
			let j = i + 1;
			while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
			const s = JSON.parse(text.slice(i, j + 1));
			i = j + 1; return s;
		}
		const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?|^true|^false|^null/.exec(text.slice(i));
		if (!m) throw new Error('bad JSON at ' + i + ': ' + text);
		i += m[0].length;
		if (m[0] === 'true') return true;
		if (m[0] === 'false') return false;
		if (m[0] === 'null') return null;
		return new Num(m[0]);
	}
	const v = value(); ws();
	if (i !== text.length) throw new Error('trailing text: ' + text);
	return v;
}

/* Canonical form of a decimal string: value equality of decimals. */
function decCanon(s) {
	const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(s);
	if (!m) return s;
	let digits = (m[2] + (m[3] || '')).replace(/^0+/, '');
	let exp = parseInt(m[4] || '0', 10) - (m[3] || '').length;
	if (digits === '') return '0';
	while (digits.endsWith('0')) { digits = digits.slice(0, -1); exp++; }
	return m[1] + digits + 'e' + exp;
}

/*
 * Compare arka's exact result with json-logic-js's (as JSON: NaN, Infinity
 * and undefined are null).  Returns 'same', 'decimal' (equal but for
 * numbers that differ only by binary-double rounding), or 'different'.
 */
function compareArkaJl(a, j) {
	let decimal = false;
	function cmp(a, j) {
		if (typeof j === 'number' && !Number.isFinite(j)) j = null;
		if (j === undefined) j = null;
		if (a instanceof Num) {
			if (typeof j !== 'number') return false;
			if (decCanon(a.text) === decCanon(String(j))) return true;
			const x = Number(a.text);
			if (Math.abs(x - j) <= 1e-12 * Math.max(1, Math.abs(j))) { decimal = true; return true; }
			return false;
		}
		if (Array.isArray(a)) return Array.isArray(j) && a.length === j.length && a.every((x, k) => cmp(x, j[k]));
		if (isPlainObject(a)) {
			if (!isPlainObject(j)) return false;
			const ka = Object.keys(a), kj = Object.keys(j).filter((k) => j[k] !== undefined);
			return ka.length === kj.length && ka.every((k) => Object.hasOwn(j, k) && cmp(a[k], j[k]));
		}
		return a === j;
	}
	if (!cmp(a, j)) return 'different';
	return decimal ? 'decimal' : 'same';
}

/* Strict JSON equality, as the suites' own comparison (SOURCES.md). */
function deepEqual(a, b) {
	if (typeof a === 'number' && typeof b === 'number') return a === b;
	if (Array.isArray(a) || Array.isArray(b))
		return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, k) => deepEqual(x, b[k]));
	if (isPlainObject(a) && isPlainObject(b)) {
		const ka = Object.keys(a), kb = Object.keys(b);
		return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
	}
	return a === b;
}

function runJl(rule, data) {
	try {
		return { ok: true, value: jsonLogic.apply(structuredClone(rule), structuredClone(data)) };
	} catch (e) {
		return { ok: false, message: String(e && e.message !== undefined ? e.message : e) };
	}
}

/* Does an outcome match the case, the way the suites' runners compare? */
function outcomeMatches(out, c) {
	if (c.error !== undefined)
		return !out.ok || (c.error && c.error.type === 'NaN' && typeof out.value === 'number' && Number.isNaN(out.value));
	return out.ok && deepEqual(out.value, c.result);
}

/* ---------- the suites ---------- */

function listSuiteFiles(root, sub = '') {
	const dir = path.join(root, sub);
	const out = [];
	for (const name of fs.readdirSync(dir).sort()) {
		if (name.startsWith('.')) continue;
		const rel = sub ? sub + '/' + name : name;
		if (fs.statSync(path.join(root, rel)).isDirectory()) out.push(...listSuiteFiles(root, rel));
		else if (name.endsWith('.json') && name !== 'index.json') out.push(rel);
	}
	return out;
}

/* Cases of one file, by index: {rule, data, result?, error?, description?}. */
function loadCases(repo, file) {
	const entries = JSON.parse(fs.readFileSync(path.join(dataDir, 'community', repo, 'suites', file), 'utf8'));
	const cases = new Map();
	entries.forEach((e, index) => {
		if (Array.isArray(e) && e.length === 3)
			cases.set(index, { rule: e[0], data: e[1], result: e[2] });
		else if (isPlainObject(e) && e.rule !== undefined)
			cases.set(index, {
				rule: e.rule, data: Object.hasOwn(e, 'data') ? e.data : {},
				result: e.result, error: e.error,
				description: typeof e.description === 'string' ? e.description : undefined,
			});
	});
	return cases;
}

/* ---------- categories of (a): the suite goes beyond json-logic-js ---------- */

const COMPARISONS = new Set(['==', '===', '!=', '!==', '>', '>=', '<', '<=']);
const ITERATORS = new Set(['all', 'some', 'none', 'map', 'filter', 'reduce']);
const MIN_ARITY = { '==': 2, '===': 2, '!=': 2, '!==': 2, '>': 2, '>=': 2, '<': 2, '<=': 2,
	'%': 2, '-': 1, '/': 1, 'min': 1, 'max': 1 };
const errType = (c) => (c.error && typeof c.error.type === 'string' ? c.error.type : undefined);

/* Ordered: the first category whose test holds names the case. */
const CATEGORIES = [
	{
		id: 'extension-operator',
		test: (x) => x.ext.length > 0,
		text: (x) => `community extension operator ${x.ext.map((o) => '`' + o + '`').join(', ')}, not part of JSON Logic as defined by jsonlogic.com and json-logic-js (arka rejects unknown operators)`,
	},
	{
		id: 'multi-key-object-error',
		test: (x) => isPlainObject(x.c.rule) && Object.keys(x.c.rule).length > 1 && errType(x.c) === 'Unknown Operator',
		text: () => 'the community suite rejects an object with several keys as an unknown operator; in JSON Logic (jsonlogic.com, json-logic-js) only a one-key object is an operation and any other object is a literal, returned as is',
	},
	{
		id: 'engine-depth-limit',
		test: (x) => errType(x.c) === 'Exceeded Allowed Depth',
		text: () => 'json-logic-engine\'s own limit on array accumulators in reduce (error "Exceeded Allowed Depth"), an engine setting rather than JSON Logic semantics',
	},
	{
		id: 'spread-computed-arguments',
		test: (x) => x.op !== undefined && isOp(x.args),
		text: () => 'the community suite spreads an operation\'s computed array into the operator\'s arguments (e.g. {"+":{"merge":[...]}}); json-logic-js wraps a non-array argument as a single operand, so the whole array is one operand',
	},
	{
		id: 'min-max-numbers-only',
		test: (x) => (x.op === 'min' || x.op === 'max') && errType(x.c) === 'Invalid Arguments' && x.argv.length > 0,
		text: () => 'the community suite accepts only numbers in min/max and expects an error (Invalid Arguments) otherwise; json-logic-js applies Math.min/Math.max, which convert strings, booleans and null with ToNumber (arrays and objects give NaN or their joined string)',
	},
	{
		id: 'iterator-null-argument-error',
		test: (x) => ITERATORS.has(x.op) && Array.isArray(x.args) && x.args.length >= 2 && errType(x.c) === 'Invalid Arguments',
		text: () => 'the community suite expects an error (Invalid Arguments) when the array or the predicate of an iterator is null or missing; json-logic-js treats a non-array as an empty array and a null predicate as a constant null',
	},
	{
		id: 'arity-error',
		test: (x) => errType(x.c) === 'Invalid Arguments' && x.op !== undefined &&
			(!Array.isArray(x.args) || x.argv.length < (MIN_ARITY[x.op] || 0)),
		text: () => 'the community suite expects an error (Invalid Arguments) for too few or non-array arguments; json-logic-js checks no arity: it wraps a non-array argument as one operand, and missing operands are undefined',
	},
	{
		id: 'variadic-operands',
		test: (x) => Array.isArray(x.args) && (
			(['-', '/', '%', '>', '>=', '==', '===', '!=', '!=='].includes(x.op) && x.args.length > 2) ||
			(['<', '<='].includes(x.op) && x.args.length > 3)),
		text: () => 'the community suite applies -, / and % to every operand in turn and chains comparisons over all operands; json-logic-js uses the first two operands only (three for the between form of < and <=) and ignores the rest',
	},
	{
		id: 'nan-as-error',
		test: (x) => errType(x.c) === 'NaN' && !(x.jl.ok && typeof x.jl.value === 'number' && Number.isNaN(x.jl.value)),
		text: () => 'the community suite expects NaN (reported as an error) for an array, object or non-numeric string operand; json-logic-js coerces instead (an array through its joined string, so [1] is 1 and [] is 0; a comparison with NaN is simply false; a single * operand is returned unchanged)',
	},
	{
		id: 'unary-divide-reciprocal',
		test: (x) => x.op === '/' && x.argv.length === 1 && x.c.error === undefined,
		text: () => 'the community suite gives / with one operand the reciprocal 1/x; json-logic-js computes x/undefined, which is NaN',
	},
	{
		id: 'unary-multiply-number',
		test: (x) => x.op === '*' && x.argv.length <= 1 && x.c.error === undefined,
		text: () => 'the community suite converts a single * operand to a number and makes the empty product 1; json-logic-js returns a single operand unchanged and throws on none ("Reduce of empty array with no initial value")',
	},
	{
		id: 'plus-times-coerce-bool-null',
		test: (x) => (x.op === '+' || x.op === '*') && x.jl.ok && Number.isNaN(x.jl.value) && x.c.error === undefined,
		text: () => 'the community suite converts booleans, null and "" to numbers in + and * (true is 1, null and "" are 0); json-logic-js converts with parseFloat, which gives NaN for them',
	},
	{
		id: 'empty-and-or-false',
		test: (x) => (x.op === 'and' || x.op === 'or') && Array.isArray(x.args) && x.args.length === 0,
		text: () => 'the community suite expects false from and/or with no operands; json-logic-js returns undefined (JSON null)',
	},
	{
		id: 'empty-object-falsy',
		test: (x) => ['if', '?:', '!!', '!', 'and', 'or'].includes(x.op) && containsEmptyObject(x.args),
		text: () => 'the community suite treats {} as falsy; in JSON Logic (the jsonlogic.com truthiness table, json-logic-js) every object is truthy',
	},
	{
		id: 'null-loosely-equals-zero',
		test: (x) => (x.op === '==' || x.op === '!=') && x.argv.length === 2 && x.argv.includes(null) && x.argv.includes(0),
		text: () => 'the community suite expects null == 0; JSON Logic uses JavaScript loose equality, where null equals only null (and undefined)',
	},
	{
		id: 'reduce-without-initial',
		test: (x) => x.op === 'reduce' && Array.isArray(x.args) && x.args.length === 2,
		text: () => 'the community suite starts a reduce without an initial value from the first element; json-logic-js starts from null, and null + 1 is NaN under parseFloat',
	},
];

/* ---------- main ---------- */

const describeExpected = (c) => (c.error !== undefined ? `error ${JSON.stringify(c.error)}` : jsShow(c.result));
/* "returns X" / "throws ..." phrases */
const describeJl = (o) => (o.ok ? `returns ${jsShow(o.value)}` : `throws an error (${o.message})`);
const describeArka = (a) => ('arka_error' in a ? `raises an error (${a.arka_error})` : `returns ${a.text}`);

const problems = [];

/* Sanity check: json-logic-js reproduces its known results. */
const jlFailing = new Set();
for (const repo of REPOS) {
	let passed = 0;
	for (const file of listSuiteFiles(path.join(dataDir, 'community', repo, 'suites')))
		for (const [index, c] of loadCases(repo, file)) {
			if (outcomeMatches(runJl(c.rule, c.data), c)) passed++;
			else jlFailing.add(`${repo}\t${file}\t${index}`);
		}
	if (passed !== JLJS_EXPECTED_PASSES[repo])
		problems.push(`json-logic-js passes ${passed} ${repo} cases, expected ${JLJS_EXPECTED_PASSES[repo]}`);
}

/* The runner's failing cases. */
const failing = [];
for (const line of fs.readFileSync(failingPath, 'utf8').split('\n')) {
	if (!line.startsWith('FAILING\t')) continue;
	const [, meta, result] = line.split('\t');
	const m = JSON.parse(meta);
	const r = JSON.parse(result);
	if ('arka' in r) r.text = result.slice('{"arka":'.length, -1);	/* the exact JSON text */
	failing.push({ ...m, arka: r });
}
const arkaFailing = new Set(failing.map((f) => `${f.repo}\t${f.file}\t${f.index}`));

const fileCache = new Map();
const entries = [];
const counts = {};
for (const f of failing) {
	const key = `${f.repo}\t${f.file}`;
	if (!fileCache.has(key)) fileCache.set(key, loadCases(f.repo, f.file));
	const cases = fileCache.get(key);
	const c = cases.get(f.index);
	if (!c || (c.description ?? null) !== f.description) {
		problems.push(`${f.repo}/${f.file} #${f.index}: not the case the runner reported`);
		continue;
	}
	const jl = runJl(c.rule, c.data);
	const op = isOp(c.rule) ? Object.keys(c.rule)[0] : undefined;
	const args = op !== undefined ? c.rule[op] : undefined;
	const x = {
		c, jl, op, args,
		argv: op === undefined ? [] : Array.isArray(args) ? args : [args],
		ext: extensionOps(c.rule),
	};
	const arkaText = describeArka(f.arka);
	let vsJl;				/* arka compared with json-logic-js */
	if ('arka_error' in f.arka) vsJl = jl.ok ? 'different' : 'same';
	else vsJl = jl.ok ? compareArkaJl(parseExact(f.arka.text), jl.value) : 'different';

	let category, text;
	const label = `${f.repo}/${f.file} #${f.index} ${JSON.stringify(f.description)}`;
	if (outcomeMatches(jl, c)) {
		/* (b) json-logic-js agrees with the suite, arka does not */
		if (vsJl === 'decimal') {
			category = 'exact-decimals';
			text = `exact decimals: the community suite expects the binary-double result ${describeExpected(c)}, which json-logic-js 2.0.5 returns; arka computes exactly and ${arkaText}`;
		} else if ('arka_error' in f.arka && /division by zero/.test(f.arka.arka_error) && jl.ok && typeof jl.value === 'number') {
			category = 'division-by-zero-error';
			text = `division or modulo by zero is an evaluation error in arka (documented); json-logic-js 2.0.5 ${describeJl(jl)}, as the community suite expects (${describeExpected(c)})`;
		} else {
			problems.push(`ARKA BUG? ${label}: json-logic-js and the suite agree (json-logic-js ${describeJl(jl)}); arka ${arkaText}`);
			continue;
		}
		entries.push({ f, c, cases, category, reason: text });
		counts[category] = (counts[category] || 0) + 1;
		continue;
	}
	/* (a) json-logic-js disagrees with the suite as well */
	const cat = CATEGORIES.find((k) => k.test(x));
	if (!cat) {
		problems.push(`UNCLASSIFIED ${label}: rule ${JSON.stringify(c.rule)}; json-logic-js ${describeJl(jl)}; suite ${describeExpected(c)}; arka ${arkaText}`);
		continue;
	}
	let arkaPart;
	if (vsJl === 'same') {
		const nanNote = jl.ok && (jl.value === undefined || (typeof jl.value === 'number' && !Number.isFinite(jl.value)))
			? `, as JSON: json-logic-js's ${jsShow(jl.value)} is not JSON` : '';
		arkaPart = `arka follows json-logic-js (it ${arkaText}${nanNote})`;
	} else if (vsJl === 'decimal')
		arkaPart = `arka ${arkaText}: json-logic-js's value computed with exact decimals`;
	else if ('arka_error' in f.arka && /division by zero/.test(f.arka.arka_error))
		arkaPart = `arka ${arkaText}: division or modulo by zero is an evaluation error in arka (documented)`;
	else {
		problems.push(`ARKA DIFFERS from json-logic-js ${label}: json-logic-js ${describeJl(jl)}; arka ${arkaText}`);
		continue;
	}
	text = `${cat.text(x)}. json-logic-js 2.0.5 ${describeJl(jl)}; the community suite expects ${describeExpected(c)}; ${arkaPart}`;
	entries.push({ f, c, cases, category: cat.id, reason: text });
	counts[cat.id] = (counts[cat.id] || 0) + 1;
}

/* Cases arka passes although json-logic-js fails them: for information. */
for (const k of [...jlFailing].sort())
	if (!arkaFailing.has(k))
		process.stderr.write(`note: arka passes a case json-logic-js fails: ${k.replace(/\t/g, ' ')}\n`);

if (problems.length) {
	for (const p of problems) process.stderr.write(p + '\n');
	process.stderr.write(`${problems.length} problem(s); nothing written\n`);
	process.exit(1);
}

entries.sort((a, b) => (a.f.repo < b.f.repo ? -1 : a.f.repo > b.f.repo ? 1 :
	a.f.file < b.f.file ? -1 : a.f.file > b.f.file ? 1 : a.f.index - b.f.index));
const lines = entries.map(({ f, c, cases, category, reason }) => {
	const e = { repo: f.repo, file: f.file };
	if (c.description !== undefined) e.description = c.description;
	const shared = c.description === undefined ||
		[...cases.values()].filter((o) => o.description === c.description).length > 1;
	if (shared) e.index = f.index;
	e.category = category;
	e.reason = reason;
	return JSON.stringify(e);
});
process.stdout.write('[\n' + lines.join(',\n') + '\n]\n');
for (const k of Object.keys(counts).sort())
	process.stderr.write(`${String(counts[k]).padStart(4)} ${k}\n`);
process.stderr.write(`${entries.length} skips\n`);
