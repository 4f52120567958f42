/*-------------------------------------------------------------------------
 *
 * fuzz_wal2json.c
 *	  libFuzzer target: arka-cdc's wal2json v2 parser (cdc/wal2json.c).
 *
 * Any input must parse or fail with a message, never crash, hang or
 * leak.  What parses must be consistent: a change's row object has one
 * member per column (plus the unchanged ones), every number converts to
 * exact JSON text that the core parser reads back to the same value, and
 * an M message's content, if JSON, parses with exact decimals.
 *
 * Build: make -C cdc fuzz (clang -fsanitize=fuzzer,address,undefined).
 * The parser's source is included here so the target builds from this
 * one file plus the core sources (test/core/Makefile.core globs
 * test/fuzz/fuzz_*.c and builds it the same way).
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../cdc/wal2json.c"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int			LLVMFuzzerInitialize(int *argc, char ***argv);

static W2jParser parser;
static ArkaArena arena;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	w2j_parser_init(&parser);
	arka_arena_init(&arena, 64 * 1024 * 1024);
	return 0;
}

/* Every number value survives a trip through JSON text exactly. */
static void
check_value(const ArkaValue *v)
{
	ArkaBuf		b;
	ArkaValue	again;
	ArkaJsonError jerr;

	if (v->type != ARKA_NUM || !arka_dec_is_finite(&v->u.num))
		return;
	arka_buf_init(&b);
	arka_json_write(&b, v);
	if (!b.oom)
	{
		if (!arka_json_parse(b.data, b.len, &arena, &again, &jerr) ||
			!arka_value_equal(v, &again))
			abort();
	}
	arka_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	W2jMessage	m;
	W2jError	err;

	arka_arena_reset(&arena);
	if (!w2j_parse(&parser, (const char *) data, size, &arena, &m, &err))
	{
		if (err.message[0] == '\0')
			abort();			/* every failure says why */
		return 0;
	}
	switch (m.action)
	{
		case W2J_INSERT:
		case W2J_UPDATE:
			if (m.row.type != ARKA_OBJ || m.row.u.obj.n != m.ncolumns + m.nunchanged)
				abort();
			break;
		case W2J_DELETE:
			if (m.row.type != ARKA_OBJ || m.row.u.obj.n != m.nidentity)
				abort();
			break;
		case W2J_MESSAGE:
			{
				ArkaValue	v;

				if (m.prefix == NULL || m.content == NULL)
					abort();
				(void) w2j_message_content_json(&m, &arena, &v, &err);
			}
			break;
		default:
			break;
	}
	for (size_t i = 0; i < m.ncolumns; i++)
		check_value(&m.columns[i].value);
	for (size_t i = 0; i < m.nidentity; i++)
		check_value(&m.identity[i].value);
	if (m.row_key.type != ARKA_NULL && m.row_key.type != ARKA_OBJ)
		abort();
	return 0;
}
