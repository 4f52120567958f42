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
 * Build: make -C cdc fuzz (clang -fsanitize=fuzzer,address,undefined,
 * linked with -ljansson).  The parser's source is included here so the
 * target builds from this one file plus the core sources.  The jansson
 * functions are declared weak: when a build rule links only the core
 * (test/core/Makefile.core globs test/fuzz/fuzz_*.c), the target still
 * links, says so loudly and skips every input instead of breaking the
 * other targets' build; with -ljansson they resolve normally.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#pragma weak json_loadb
#pragma weak json_delete
#pragma weak json_object_get
#pragma weak json_array_size
#pragma weak json_array_get
#pragma weak json_string_value
#pragma weak json_string_length
#pragma weak json_integer_value

#include "../../cdc/wal2json.c"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int			LLVMFuzzerInitialize(int *argc, char ***argv);

static W2jParser parser;
static ArkaArena arena;
static bool have_jansson;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	have_jansson = json_loadb != NULL;
	if (!have_jansson)
		fprintf(stderr, "fuzz_wal2json: built without -ljansson, so this run checks NOTHING; "
				"build it with make -C cdc fuzz\n");
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

	if (!have_jansson)
		return 0;
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
