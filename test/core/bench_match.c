/*-------------------------------------------------------------------------
 *
 * bench_match.c
 *	  Quality and speed of the sanctions name matcher on the real OFAC SDN
 *	  list (sdn.csv + alt.csv + weak a.k.a.s from Remarks): recall, top-1
 *	  accuracy and false-positive rate across thresholds on the labelled
 *	  set of test_match.c, microseconds per screened name (p50/p99),
 *	  index build time and memory.
 *
 * Build and run optimised, without sanitizers, from the repository root:
 *   clang -std=gnu11 -O2 -Isrc/core -Itest/core test/core/bench_match.c \
 *       src/core/[a-z]*.c -lcrypto -lutf8proc -lm -o /tmp/bench_match
 *   /tmp/bench_match ../shared/data/watchlists
 *
 * Single-threaded and bounded (about 30 s); figures go to BENCHMARKS.md.
 *
 *-------------------------------------------------------------------------
 */
#define ARKA_MATCH_NO_MAIN
#include "test_match.c"

static int
dbl_cmp(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? -1 : (x > y ? 1 : 0);
}

/* Time every labelled name once; print percentiles in microseconds. */
static void
time_screens(ArkaMatchList *l, const LabelSet *ls, unsigned flags, const char *label,
			 int rounds)
{
	int			n = ls->n * rounds;
	double	   *us = malloc(sizeof(double) * n);
	long		cand = 0;
	ArkaMatchResults r;
	double		sum = 0;

	arka_match_results_init(&r);
	for (int k = 0; k < n; k++)
	{
		const char *name = ls->items[k % ls->n].name;
		double		t0 = now_us();

		arka_match_screen(l, name, strlen(name), -1, 10, flags, &r);
		us[k] = now_us() - t0;
		sum += us[k];
		cand += r.candidates;
	}
	qsort(us, n, sizeof(double), dbl_cmp);
	printf("%-34s p50 %6.1f us  p90 %6.1f  p99 %6.1f  max %7.1f  mean %6.1f  (%d screens, %.0f names scored each)\n",
		   label, us[n / 2], us[n * 9 / 10], us[n * 99 / 100], us[n - 1], sum / n, n,
		   (double) cand / n);
	arka_match_results_free(&r);
	free(us);
}

int
main(int argc, char **argv)
{
	Ofac		o;
	LabelSet	ls;
	Scored	   *sc;
	double		T;

	if (argc < 2 || !ofac_load(argv[1], &o))
	{
		fprintf(stderr, "usage: bench_match <watchlists dir>\n");
		return 1;
	}
	T = arka_match_threshold(o.list);
	printf("list: %u entries, %u names (%d aliases + %d weak a.k.a.s from Remarks), %u distinct tokens, %d identifiers\n",
		   arka_match_entry_count(o.list), arka_match_name_count(o.list), o.strong_aliases,
		   o.weak_aliases, arka_match_vocab_count(o.list), o.identifiers);
	printf("build: CSV parse %.1f ms (test reader), add+normalise %.1f ms, finalise (index) %.1f ms; memory %.2f MiB\n",
		   o.parse_ms, o.add_ms, o.finalise_ms, arka_match_memory(o.list) / 1048576.0);

	build_labels(o.list, 700, 6000, &ls);
	printf("labelled set: %d variants of listed names (%d kinds x 700), %d ordinary names (%d generated names dropped as listed)\n",
		   ls.npos, V_NKINDS, ls.nneg, ls.excluded);
	sc = calloc((size_t) ls.n, sizeof(Scored));
	score_labels(o.list, &ls, 0.70, sc);
	printf("\nthreshold sweep:\n");
	for (int t = 80; t <= 96; t++)
	{
		Quality		q;
		char		label[32];

		quality_at(&ls, sc, t / 100.0, &q);
		snprintf(label, sizeof(label), "%s", fabs(t / 100.0 - T) < 1e-9 ? "  default" : "         ");
		print_quality(label, t / 100.0, &q);
	}
	{
		Quality		q;

		quality_at(&ls, sc, T, &q);
		printf("\nat the default threshold %.2f, recall by kind of variant:\n", T);
		for (int k = 0; k < V_NKINDS; k++)
			printf("  %-20s %.4f (%d/%d)\n", var_names[k],
				   (double) q.kind_found[k] / q.kind_n[k], q.kind_found[k], q.kind_n[k]);
	}
	free(sc);

	printf("\nspeed per screened name (default threshold, max 10 results, with evidence):\n");
	time_screens(o.list, &ls, ARKA_MATCH_NO_CACHE, "indexed, cold (no partner cache)", 2);
	time_screens(o.list, &ls, 0, "indexed, partner cache filling", 1);
	time_screens(o.list, &ls, 0, "indexed, partner cache warm", 2);
	time_screens(o.list, &ls, ARKA_MATCH_NO_EVIDENCE, "indexed, warm, no evidence", 2);
	{
		LabelSet	few = ls;

		few.n = 300;
		time_screens(o.list, &few, ARKA_MATCH_EXHAUSTIVE, "exhaustive scan (reference)", 1);
	}
	label_free(&ls);
	ofac_free(&o);
	return 0;
}
