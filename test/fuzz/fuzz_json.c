/*-------------------------------------------------------------------------
 *
 * fuzz_json.c
 *	  libFuzzer target: the core JSON parser and writer.
 *
 * Any input must parse or fail cleanly; what parses must write back to
 * JSON that parses again to an equal value (exact decimals survive).
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>

#include "arka_json.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ArkaArena	arena;
	ArkaValue	v,
				again;
	ArkaJsonError err;
	ArkaBuf		out;

	arka_arena_init(&arena, 64 * 1024 * 1024);
	if (arka_json_parse((const char *) data, size, &arena, &v, &err))
	{
		arka_buf_init(&out);
		arka_json_write(&out, &v);
		if (!out.oom)
		{
			if (!arka_json_parse(out.data, out.len, &arena, &again, &err) ||
				!arka_value_equal(&v, &again))
				abort();		/* round trip broken: a real bug */
		}
		arka_buf_free(&out);
	}
	arka_arena_free(&arena);
	return 0;
}
