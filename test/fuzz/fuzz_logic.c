/*-------------------------------------------------------------------------
 *
 * fuzz_logic.c
 *	  libFuzzer target: parse, compile and evaluate JSON Logic.
 *
 * Input: a rule and a document as JSON text separated by a NUL byte (no
 * NUL: the whole input is the rule, evaluated on null data).  Every stage
 * must fail cleanly or succeed; the result is also serialized and
 * canonically encoded, as arka_evaluate does.  Both compile modes run: the
 * strict one used for rule definitions and the lenient one of arka_apply.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <string.h>

#include "arka_json.h"
#include "arka_logic.h"
#include "arka_proof.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
never_interrupt(void)
{
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *) data;
	const char *sep = memchr(text, '\0', size);
	size_t		rule_len = sep ? (size_t) (sep - text) : size;
	ArkaArena	arena;
	ArkaValue	rule;
	ArkaValue	doc = arka_null();
	ArkaJsonError jerr;
	ArkaListCatalog lists = {0};
	ArkaList	list;

	/* evaluation memory is bounded the way a backend bounds it */
	arka_arena_init(&arena, 64 * 1024 * 1024);
	memset(&list, 0, sizeof(list));
	list.name = "fuzz_list";
	arka_strset_add(&list.items, &arena, "KP", 2);
	arka_strset_add(&list.items, &arena, "IR", 2);
	lists.lists = &list;
	lists.n = 1;

	if (!arka_json_parse(text, rule_len, &arena, &rule, &jerr))
		goto done;
	if (sep && !arka_json_parse(sep + 1, size - rule_len - 1, &arena, &doc, &jerr))
		goto done;

	for (int strict = 0; strict <= 1; strict++)
	{
		ArkaPathTable paths = {0};
		ArkaCompileOpts opts = {.strict = strict, .lists = &lists, .paths = &paths};
		ArkaError	err;
		ArkaNode   *node = arka_logic_compile(&rule, &arena, &opts, &err);
		ArkaEval	ev;
		ArkaValue	result;

		if (node == NULL)
			continue;
		if (!arka_eval_init(&ev, &arena, &paths, &arka_value_doc_ops, &doc, &lists))
			continue;
		ev.interrupt = never_interrupt;
		if (arka_logic_eval(&ev, node, &result))
		{
			ArkaBuf		out;

			arka_buf_init(&out);
			arka_json_write(&out, &result);
			arka_canon_value(&out, &result);
			(void) arka_truthy(&result);
			arka_buf_free(&out);
		}
	}
done:
	arka_arena_free(&arena);
	return 0;
}
