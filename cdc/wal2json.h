/*-------------------------------------------------------------------------
 *
 * wal2json.h
 *	  Parser of wal2json 2.5 format-version 2 messages, with exact numbers.
 *
 * Each XLogData payload is one JSON object (shapes observed on
 * PostgreSQL 15.20 + wal2json 2.5 with the options of pgsql.c; sample
 * data in test/cdc/data/wal2json_v2.jsonl):
 *
 *   {"action":"B","xid":727,"timestamp":"2026-11-26 05:44:55.322138+00",
 *    "lsn":"0/1540B18","nextlsn":"0/1540B48"}
 *   {"action":"I","xid":727,"timestamp":"…","lsn":"0/1540978",
 *    "schema":"public","table":"payments",
 *    "columns":[{"name":"id","type":"bigint","typeoid":20,"value":1},
 *               {"name":"amount","type":"numeric(20,2)","typeoid":1700,
 *                "value":10000.01}, …],
 *    "pk":[{"name":"id","type":"bigint","typeoid":20}]}
 *   U: like I plus "identity":[…] (old key, or the whole old row under
 *      REPLICA IDENTITY FULL); D: "identity" and "pk", no "columns";
 *   {"action":"M","xid":736|null,"timestamp":…|null,"lsn":"0/154A848",
 *    "transactional":true,"prefix":"arka","content":"…"}
 *   {"action":"T","xid":741,…,"schema":"public","table":"nopk"}
 *   {"action":"C", same fields as its B}
 *
 * On B and C, "lsn" is the commit record's LSN and "nextlsn" the end of
 * it (txn->end_lsn), the position to confirm once the transaction is
 * processed (it is also the XLogData dataStart of the C message).
 *
 * Exact numbers.  wal2json 2.5 prints int2/4/8, oid, float4/8 and
 * numeric values as bare JSON numbers (NaN and +-Infinity as null), e.g.
 * 1234567890123456789.123456789 or 1000000000000000000000000000000.  The
 * engine core's JSON parser reads every literal as an exact decimal
 * (wal2json.c says why not jansson).
 *
 * Hostile input (truncated, malformed, wrong types, huge, deeply nested,
 * numbers beyond range) yields false with a clear message, never a crash
 * (see test/fuzz/fuzz_wal2json.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDC_WAL2JSON_H
#define CDC_WAL2JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arka_json.h"
#include "arka_value.h"
#include "lsn.h"

typedef enum W2jAction
{
	W2J_BEGIN = 'B',
	W2J_COMMIT = 'C',
	W2J_INSERT = 'I',
	W2J_UPDATE = 'U',
	W2J_DELETE = 'D',
	W2J_MESSAGE = 'M',
	W2J_TRUNCATE = 'T'
} W2jAction;

/* A few PostgreSQL type OIDs (pg_type.dat), stable across versions. */
#define W2J_BOOLOID		16
#define W2J_INT8OID		20
#define W2J_INT2OID		21
#define W2J_INT4OID		23
#define W2J_OIDOID		26
#define W2J_JSONOID		114
#define W2J_FLOAT4OID	700
#define W2J_FLOAT8OID	701
#define W2J_NUMERICOID	1700
#define W2J_JSONBOID	3802

typedef struct W2jColumn
{
	const char *name;			/* NUL-terminated, in the arena */
	size_t		name_len;
	const char *type;			/* e.g. "numeric(20,2)"; NULL if not sent */
	uint32_t	typeoid;		/* 0 if not sent */
	bool		has_value;		/* false in "pk" entries */
	ArkaValue	value;			/* converted exactly (see w2j_parse) */
	const char *text;			/* the value's text: the number literal or */
	size_t		text_len;		/* the string; NULL for null/true/false */
} W2jColumn;

typedef struct W2jMessage
{
	W2jAction	action;

	bool		has_xid;		/* false when absent or null (non-tx M) */
	uint32_t	xid;
	bool		has_lsn;
	CdcLsn		lsn;
	bool		has_nextlsn;	/* B and C */
	CdcLsn		nextlsn;
	const char *timestamp;		/* commit time text, NULL if absent/null */
	bool		has_commit_time;	/* timestamp parsed */
	int64_t		commit_time;	/* µs since 2000-01-01 00:00:00 UTC */

	const char *schema;			/* I, U, D, T; NULL if absent */
	const char *table;

	/* new tuple (I, U): the columns present, in table order */
	W2jColumn  *columns;
	size_t		ncolumns;
	bool		has_columns;
	/* old key or old row (U, D) */
	W2jColumn  *identity;
	size_t		nidentity;
	bool		has_identity;
	/* primary key column names (values in columns/identity) */
	W2jColumn  *pk;
	size_t		npk;
	bool		has_pk;

	/*
	 * The row as an arka document: an object keyed by column name.  For I,
	 * the new tuple.  For U, the new tuple plus the columns it leaves out
	 * that "identity" carries (wal2json omits an unchanged TOASTed column
	 * from the new tuple; under REPLICA IDENTITY FULL the old row has it,
	 * and unchanged means equal): those are listed in `unchanged`.  A
	 * column absent from both is unknown, not NULL: it is simply not in
	 * the object (w2j_missing_columns finds them given the table's column
	 * list).  For D, the identity.  ARKA_NULL for B, C, M, T.
	 */
	ArkaValue	row;
	W2jColumn  *unchanged;		/* U: columns taken from identity */
	size_t		nunchanged;

	/*
	 * The primary key as an object {"id": 42} (values from the new tuple,
	 * else the identity); ARKA_NULL when the table has no primary key or
	 * "pk" was not sent.
	 */
	ArkaValue	row_key;

	/* M */
	bool		transactional;
	const char *prefix;
	size_t		prefix_len;
	const char *content;		/* unescaped, NUL-terminated, in the arena */
	size_t		content_len;
} W2jMessage;

typedef struct W2jError
{
	size_t		offset;			/* byte offset in the message, if known */
	char		message[256];
} W2jError;

/* Parser options. */
typedef struct W2jParser
{
	/* json and jsonb columns become nested values (default true) */
	bool		parse_json_columns;
} W2jParser;

extern void w2j_parser_init(W2jParser *p);

/*
 * Parse one wal2json v2 message from [text, text+len).  Everything *out
 * points to lives in `arena` (reset it between messages as you like).
 *
 * Column values: JSON null -> null; true/false -> bool; a JSON number ->
 * the exact decimal of its literal; a string in a numeric column
 * (numeric, int2/4/8, oid, float4/8, by typeoid or type name; a domain
 * over numeric with include-domain-data-type) -> its exact number,
 * "NaN"/"Infinity"/"-Infinity" included; a string in a json/jsonb column
 * -> the parsed JSON (exact numbers) when parse_json_columns is set;
 * any other string -> that string as wal2json printed it (timestamps in
 * the session's DateStyle/TimeZone, bytea as hex digits without "\x",
 * arrays in PostgreSQL's '{a,"b c"}' text form).  wal2json 2.5 prints
 * numeric NaN and infinities as null, so they arrive as null.
 */
extern bool w2j_parse(W2jParser *p, const char *text, size_t len, ArkaArena *arena,
					  W2jMessage *out, W2jError *err);

/*
 * Given the table's columns (from the catalog), mark those the row does
 * not carry: missing[i] = true for an UPDATE's TOAST-unchanged column
 * whose value is unknown.  Returns how many are missing.
 */
extern size_t w2j_missing_columns(const W2jMessage *m, const char *const *names, size_t n,
								  bool *missing);

/* The column of the row named name (NULL if absent). */
extern const ArkaValue *w2j_row_get(const W2jMessage *m, const char *name, size_t len);

/*
 * Parse an M message's content as JSON with exact decimals (the arka
 * trigger's rejected-attempt payload).
 */
extern bool w2j_message_content_json(const W2jMessage *m, ArkaArena *arena, ArkaValue *out,
									 W2jError *err);

/*
 * Parse a timestamp as timestamptz_to_str prints it ("2026-11-26
 * 05:44:55.322138+00", "+05:30", "-08", optional fraction) into µs since
 * 2000-01-01 UTC.  False for anything else (BC dates, infinity).
 */
extern bool w2j_parse_timestamp(const char *s, size_t len, int64_t *pg_us);

/* The action's name for logs ("insert", "commit", ...). */
extern const char *w2j_action_name(W2jAction a);

#endif							/* CDC_WAL2JSON_H */
