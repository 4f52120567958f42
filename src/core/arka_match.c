/*-------------------------------------------------------------------------
 *
 * arka_match.c
 *	  In-memory sanctions watchlist, candidate index and scoring.
 *
 * Layout after arka_match_finalise:
 *
 *	 vocabulary   every distinct normalised token of every name, sorted by
 *				  (first code point, length, text); a "bucket" is the run
 *				  of tokens sharing a first code point.  Per token: code
 *				  points, UTF-8 text, letter counts (32 bins), a
 *				  transliteration skeleton and a postings list of names.
 *	 hash tables  token -> vocab id; tail (token minus first character)
 *				  -> vocab ids; skeleton -> vocab ids; identifier -> entries.
 *	 names        per name its tokens as (vocab id, weight, class, flags).
 *
 * Token similarity (tok_sim) is zero unless the tokens are "related":
 * same first character, or equal after an edit of the first character
 * (substitution, insertion, deletion, swap with the second), or the same
 * transliteration skeleton.  Each relation is reachable through the
 * index: the bucket of the first character (scanned with a letter-count
 * upper bound on Jaro-Winkler), the tail table, the token table and the
 * skeleton table.  So the set of vocabulary tokens with a non-zero
 * similarity to a query token is found exactly, without comparing against
 * the whole vocabulary.
 *
 * A name can only reach min_score T if enough of the query is matched:
 * with query weights w_i, the score of a name in which only the query
 * tokens R find partners is at most
 *
 *	 f(R) = sum_R (w_i + 1) / (sum_R (w_i + 1) + sum_{not R} c_i w_i)
 *
 * (candidate weights are at most 1; an unmatched query token costs at
 * least c_i per unit of weight: ARKA_MATCH_COST_EXTRA_QUERY, or
 * ARKA_MATCH_COST_LEGAL for a legal form; a conflict costs 2 per unit,
 * which covers one unit on each side since c_q + c_c <= 2).  The
 * screen picks a cheap set K of query tokens such that f(Q \ K) < T; any
 * name reaching T must then contain a partner of some token in K, so the
 * candidates are the postings of the K tokens' similar vocabulary.  More
 * query tokens are searched while that is cheaper than scoring, marking
 * which candidates hold their partners, and only candidates whose bound
 * (with their own surplus tokens counted as extra) reaches T are scored.
 * This is exact, not a heuristic; test_match.c compares it with the
 * exhaustive scan on the full OFAC list, and fuzz_names.c on every input.
 *
 * A scratch space holds per-screen state (stamps, the similarity memo)
 * and a bounded cache of the partners of query tokens that are in the
 * vocabulary: an exact memo, since those depend on the token text only.
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "arka_jaro.h"
#include "arka_match.h"

#define NONE			UINT32_MAX
#define NBINS			32		/* letter-count bins */
#define SKEL_MIN		4		/* shortest skeleton that counts */
#define SKEL_CAP		(2 * ARKA_NAME_MAX_TOKEN_CPS + 2)
#define MAXT			ARKA_NAME_MAX_TOKENS
#define BOUND_EPS		1e-9
#define PRUNE_TABLE_BITS 6		/* queries up to this many tokens */
#define SCORE_EFFORT	40.0	/* scoring a name ~ scanning this many
								 * vocabulary tokens */

/* ---------------------------------------------------------------------
 * Internal types
 * ---------------------------------------------------------------------
 */
typedef struct MEntry
{
	uint32_t	id_off;			/* pool: entry id, NUL-terminated */
	uint32_t	name_first;		/* after finalise: first name index */
	uint32_t	name_count;		/* names (primary + aliases) */
	uint32_t	attr_first;		/* after finalise: first attribute */
	uint32_t	attr_count;
	uint8_t		type;			/* ArkaEntryType */
} MEntry;

typedef struct MName
{
	uint32_t	entry;
	uint32_t	raw_off;		/* pool: the name as added */
	uint32_t	norm_off;		/* pool: its normalised display form */
	uint32_t	tok_first;		/* into ptoks / ntoks */
	uint16_t	ntok;
	uint16_t	alias_no;		/* 0 = primary */
	uint8_t		weak;
	uint8_t		nmajor;			/* word + number + initial tokens */
	float		wplain;			/* weight of its tokens that are not legal
								 * forms (for the candidate bound) */
} MName;

/* A name token before the vocabulary exists. */
typedef struct PTok
{
	uint32_t	cp_off;			/* into pcps */
	uint16_t	len;
	uint8_t		cls;
	uint8_t		flags;
	uint8_t		group;
	float		weight;
} PTok;

typedef struct MNameTok
{
	uint32_t	vocab;
	float		weight;
	uint8_t		cls;
	uint8_t		flags;
} MNameTok;

typedef struct MAttr
{
	uint32_t	entry;
	uint32_t	a_off;			/* identifier type (kind 'i') */
	uint32_t	b_off;			/* value */
	char		kind;			/* 'i' identifier, 'p' program, 'c' country */
} MAttr;

typedef struct MVocab
{
	uint32_t	cp_off;			/* into vcps */
	uint32_t	text_off;		/* into vtext */
	uint32_t	post_off;		/* into postings */
	uint32_t	npost;
	uint32_t	skel_off;		/* into vskel */
	uint8_t		len;
	uint8_t		skel_len;
	uint8_t		cls;
	uint8_t		num;
	uint8_t		group;			/* synonym group, 0 none */
} MVocab;

typedef struct Bucket
{
	uint32_t	cp;
	uint32_t	start;
	uint32_t	end;
} Bucket;

/* Open-addressing table of ids; the key lives with the id. */
typedef struct HTab
{
	uint32_t   *id;
	uint32_t   *hash;
	uint32_t	mask;
} HTab;

/* Normalised identifier -> attribute index chain. */
typedef struct MIdent
{
	uint32_t	attr;
	uint32_t	key_off;		/* pool: normalised value */
	uint32_t	next;
} MIdent;

struct ArkaMatchList
{
	bool		finalised;
	bool		failed;			/* finalise ran out of memory: only free */
	double		threshold;
	size_t		mem;			/* bytes currently malloc'ed */

	char	   *pool;
	size_t		pool_len,
				pool_cap;

	MEntry	   *entries;
	uint32_t	nentries,
				entries_cap;
	MName	   *names;
	uint32_t	nnames,
				names_cap;
	MAttr	   *attrs;
	uint32_t	nattrs,
				attrs_cap;

	/* pending tokens, freed by finalise */
	PTok	   *ptoks;
	uint32_t	nptoks,
				ptoks_cap;
	uint32_t   *pcps;
	size_t		npcps,
				pcps_cap;

	/* built by finalise */
	MNameTok   *ntoks;
	MVocab	   *vocab;
	uint32_t	nvocab;
	uint32_t   *vcps;
	uint8_t    *vcounts;		/* NBINS per vocab token */
	uint8_t    *vbins;			/* the same, bin-major: NBINS rows */
	size_t		vbins_stride;	/* row length (nvocab + padding) */
	char	   *vtext;
	char	   *vskel;
	uint32_t   *postings;
	uint32_t   *tail_next;
	uint32_t   *skel_next;
	uint32_t   *class_next;		/* chains of synonym groups */
	/*
	 * need[la][lb][p]: fewest common characters with which tokens of
	 * lengths la and lb sharing a prefix of p could reach the floor
	 * (la + 1 when none could): jw_upper without divisions.
	 */
	uint8_t		need[ARKA_NAME_MAX_TOKEN_CPS + 1][ARKA_NAME_MAX_TOKEN_CPS + 1][ARKA_JW_PREFIX_MAX + 1];
	uint32_t	group_head[256];
	HTab		tok_ht;
	HTab		tail_ht;
	HTab		skel_ht;
	Bucket	   *buckets;
	uint32_t	nbuckets;
	MIdent	   *idents;
	uint32_t	nidents;
	HTab		id_ht;

	/* sizes of the finalise arrays, for freeing with accounting */
	size_t		sz_ntoks,
				sz_vocab,
				sz_vcps,
				sz_vcounts,
				sz_vbins,
				sz_vtext,
				sz_vskel,
				sz_post,
				sz_next,
				sz_buckets,
				sz_idents;

	ArkaMatchScratch *scratch;
};

/* A token as tok_sim sees it. */
typedef struct TokView
{
	const uint32_t *cps;
	const char *skel;
	int			len;
	int			skel_len;
	bool		num;
	uint8_t		group;			/* synonym group */
	const uint8_t *counts;		/* NBINS letter counts */
} TokView;

typedef struct QTok
{
	TokView		v;
	const char *text;			/* in the query ArkaName */
	double		w;
	uint32_t	exact;			/* vocab id of the same token, or NONE */
	double		cost;			/* estimated work to search it */
	int			lmin,
				lmax;			/* vocab lengths worth scanning */
	uint8_t		cls;
	bool		in_k;			/* its partners generate the candidates */
	bool		searched;		/* all its partners are in the memo */
	uint32_t	hit_lo,
				hit_hi;			/* its partners in scratch->hits */
	int			nbins;			/* letter bins it uses, */
	uint8_t		bins[NBINS];	/* ... which ones, */
	uint8_t		bincount[NBINS];	/* ... and how many letters in each */
	uint8_t		counts[NBINS];
	char		skel[SKEL_CAP];
} QTok;

typedef struct Query
{
	int			m;
	int			nmajor;
	int			single;			/* index of the only major token, or -1 */
	QTok		t[MAXT];
} Query;

struct ArkaMatchScratch
{
	const ArkaMatchList *list;
	uint32_t	stamp;
	uint32_t   *name_stamp;
	uint32_t   *entry_stamp;
	double	   *entry_best;
	uint32_t   *entry_name;		/* best name, or NONE - attr for ids */
	uint32_t   *touched;
	uint32_t	ntouched;
	uint32_t   *vrow_stamp;
	uint32_t   *vrow_off;
	double	   *memo;
	size_t		memo_len,
				memo_cap;
	uint32_t   *cand;
	size_t		ncand,
				cand_cap;
	uint64_t   *name_mask;		/* query tokens with a partner in the name */
	uint32_t   *pc_off;			/* partner cache: per vocabulary token, */
	uint32_t   *pc_cnt;			/* ... where its partners are and how many */
	uint32_t   *pc_ids;
	double	   *pc_sims;
	size_t		pc_len,
				pc_cap;
	double		ptab_in[1 << PRUNE_TABLE_BITS];	/* bound terms per mask */
	double		ptab_out[1 << PRUNE_TABLE_BITS];
	uint8_t		ptab_n[1 << PRUNE_TABLE_BITS];
	size_t		nscored;		/* names scored after pruning */
	uint32_t   *hits;			/* vocabulary partners, per query token */
	size_t		nhits,
				hits_cap;
	bool		oom;
	Query		q;
	ArkaName	qname;
};

/* Details of one scored name, for evidence. */
typedef struct ScoreDetail
{
	double		base;
	double		score;
	unsigned	rules;
	double		A,
				D,
				conflict,
				extra_q,
				extra_c,
				legal,
				surname,
				penalty;
	int			npairs;
	int			pq[MAXT];
	int			pc[MAXT];
	double		ps[MAXT];
	bool		qused[MAXT];
	bool		cused[MAXT];
} ScoreDetail;

/* ---------------------------------------------------------------------
 * Memory with accounting
 * ---------------------------------------------------------------------
 */

/* malloc that counts what the list holds (arka_match_memory). */
static void *
mt_alloc(ArkaMatchList *l, size_t n)
{
	void	   *p = malloc(n ? n : 1);

	if (p)
		l->mem += n;
	return p;
}

/* Zeroed allocation, counted like mt_alloc. */
static void *
mt_calloc(ArkaMatchList *l, size_t n)
{
	void	   *p = calloc(1, n ? n : 1);

	if (p)
		l->mem += n;
	return p;
}

/* Free what mt_alloc gave, uncounting n bytes. */
static void
mt_free(ArkaMatchList *l, void *p, size_t n)
{
	if (p)
	{
		free(p);
		l->mem -= n;
	}
}

/*
 * Grow a dynamic array to hold at least need elements, doubling.  Returns
 * false (array untouched) when memory runs out or the size overflows.
 */
static bool
mt_grow(ArkaMatchList *l, void **arr, size_t *cap, size_t need, size_t elsize)
{
	size_t		ncap;
	void	   *p;

	if (need <= *cap)
		return true;
	ncap = *cap ? *cap : 16;
	while (ncap < need)
	{
		if (ncap > SIZE_MAX / 2 / elsize)
			return false;
		ncap *= 2;
	}
	p = realloc(*arr, ncap * elsize);
	if (!p)
		return false;
	l->mem += (ncap - *cap) * elsize;
	*arr = p;
	*cap = ncap;
	return true;
}

/* Same for arrays whose capacity is a uint32_t. */
static bool
mt_grow32(ArkaMatchList *l, void **arr, uint32_t *cap, size_t need, size_t elsize)
{
	size_t		c = *cap;

	if (need >= UINT32_MAX / 2)
		return false;
	if (!mt_grow(l, arr, &c, need, elsize))
		return false;
	*cap = (uint32_t) c;
	return true;
}

/* Append bytes plus a NUL to the string pool; offset in *off. */
static ArkaMatchStatus
pool_add(ArkaMatchList *l, const char *s, size_t len, uint32_t *off)
{
	if (l->pool_len + len + 1 > UINT32_MAX)
		return ARKA_MATCH_ELIMIT;
	if (!mt_grow(l, (void **) &l->pool, &l->pool_cap, l->pool_len + len + 1, 1))
		return ARKA_MATCH_ENOMEM;
	if (len)
		memcpy(l->pool + l->pool_len, s, len);
	l->pool[l->pool_len + len] = '\0';
	*off = (uint32_t) l->pool_len;
	l->pool_len += len + 1;
	return ARKA_MATCH_OK;
}

/* ---------------------------------------------------------------------
 * Hashing
 * ---------------------------------------------------------------------
 */
static uint32_t
hash_cps(const uint32_t *p, size_t n)
{
	uint64_t	h = 0xcbf29ce484222325ull ^ (uint64_t) n;

	for (size_t i = 0; i < n; i++)
	{
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return (uint32_t) (h ^ (h >> 32));
}

/* Hash of a byte string (skeletons, identifiers): FNV-1a, then mixed. */
static uint32_t
hash_bytes(const char *p, size_t n)
{
	uint64_t	h = 0xcbf29ce484222325ull ^ (uint64_t) n;

	for (size_t i = 0; i < n; i++)
	{
		h ^= (unsigned char) p[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return (uint32_t) (h ^ (h >> 32));
}

/* Table with room for n keys at load <= 1/2. */
static bool
ht_init(ArkaMatchList *l, HTab *h, size_t n)
{
	size_t		size = 16;

	while (size < 2 * n + 2)
		size *= 2;
	h->id = mt_alloc(l, size * sizeof(uint32_t));
	h->hash = mt_alloc(l, size * sizeof(uint32_t));
	if (!h->id || !h->hash)
		return false;
	memset(h->id, 0xFF, size * sizeof(uint32_t));
	h->mask = (uint32_t) (size - 1);
	return true;
}

/* Release a table made by ht_init. */
static void
ht_free(ArkaMatchList *l, HTab *h)
{
	size_t		size = h->id ? (size_t) h->mask + 1 : 0;

	mt_free(l, h->id, size * sizeof(uint32_t));
	mt_free(l, h->hash, size * sizeof(uint32_t));
	h->id = h->hash = NULL;
	h->mask = 0;
}

/* ---------------------------------------------------------------------
 * Token helpers
 * ---------------------------------------------------------------------
 */
static inline int
bin_of(uint32_t c)
{
	if (c >= 'a' && c <= 'z')
		return (int) (c - 'a');
	if (c >= '0' && c <= '9')
		return 26;
	return 27 + (int) (c % 5);
}

/* Letter counts in NBINS bins, for the Jaro upper bound. */
static void
make_counts(const uint32_t *cps, int len, uint8_t *counts)
{
	memset(counts, 0, NBINS);
	for (int i = 0; i < len; i++)
	{
		int			b = bin_of(cps[i]);

		if (counts[b] < 255)
			counts[b]++;
	}
}

/* Vowels for the skeleton (y included: Husayn ~ Husain). */
static inline bool
is_vowel(uint32_t c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

/*
 * Transliteration skeleton: a key under which common romanisation
 * variants of one name coincide.  Vowel runs become one 'a' (Osama ~
 * Usama, Hussein ~ Husain), h after a consonant disappears (Qadhafi ~
 * Qadafi, Khaled ~ Kaled), c/k/q/g -> k, s/z -> s, d/t -> t, f/v/w/ph
 * -> f, x -> ks, doubled letters collapse (Gaddafi ~ Qadhafi, Mohammed ~
 * Muhammad ~ Mohamed).  Only for all-ASCII-letter tokens; returns the
 * length, 0 when there is no skeleton.
 */
static int
make_skel(const uint32_t *t, int len, char *out)
{
	int			n = 0;
	char		last = 0;

	for (int i = 0; i < len; i++)
		if (t[i] < 'a' || t[i] > 'z')
			return 0;
	for (int i = 0; i < len; i++)
	{
		uint32_t	c = t[i];
		char		code;

		if (is_vowel(c))
			code = 'a';
		else
		{
			switch (c)
			{
				case 'h':
					if (i > 0 && !is_vowel(t[i - 1]))
						continue;	/* kh, dh, th, sh, ph, gh, ch */
					code = 'h';
					break;
				case 'p':
					code = (i + 1 < len && t[i + 1] == 'h') ? 'f' : 'p';
					break;
				case 'f':
				case 'v':
				case 'w':
					code = 'f';
					break;
				case 'c':
				case 'k':
				case 'q':
				case 'g':
					code = 'k';
					break;
				case 's':
				case 'z':
					code = 's';
					break;
				case 'd':
				case 't':
					code = 't';
					break;
				case 'x':
					if (last != 'k')
						out[n++] = 'k';
					code = 's';
					last = 'k';
					break;
				default:
					code = (char) c;	/* b j l m n r */
					break;
			}
		}
		if (code == last)
			continue;
		out[n++] = code;
		last = code;
	}
	out[n] = '\0';
	return n;
}

/* Equal code point runs of length n. */
static inline bool
cps_eq(const uint32_t *a, const uint32_t *b, int n)
{
	return n <= 0 || memcmp(a, b, (size_t) n * sizeof(uint32_t)) == 0;
}

/*
 * Are two tokens (both at least 2 long) related by an edit of the first
 * character: substitution, insertion or deletion at the front, or a swap
 * of the first two?  People get first letters right far more often than
 * not (the premise of Winkler's prefix boost), so this is what typos
 * there look like.
 */
static bool
tail_related(const TokView *a, const TokView *b)
{
	int			la = a->len,
				lb = b->len;

	if (la == lb)
	{
		if (cps_eq(a->cps + 1, b->cps + 1, la - 1))
			return true;
		if (a->cps[0] == b->cps[1] && a->cps[1] == b->cps[0] &&
			cps_eq(a->cps + 2, b->cps + 2, la - 2))
			return true;
		return false;
	}
	if (la == lb + 1)
		return cps_eq(a->cps + 1, b->cps, lb);
	if (lb == la + 1)
		return cps_eq(a->cps, b->cps + 1, la);
	return false;
}

/* Consonants in a skeleton: short skeletons ("tana") collide too often. */
static inline int
skel_consonants(const char *sk, int len)
{
	int			n = 0;

	for (int i = 0; i < len; i++)
		if (sk[i] != 'a')
			n++;
	return n;
}

/* Length-ratio penalty: "nic" is not "nicolas", though JW says 0.87. */
static inline double
len_factor(int la, int lb)
{
	double		r = la < lb ? (double) la / lb : (double) lb / la;

	if (r >= ARKA_MATCH_LEN_FREE)
		return 1.0;
	return 1.0 - ARKA_MATCH_LEN_PENALTY * (ARKA_MATCH_LEN_FREE - r);
}

/*
 * Upper bound of tok_sim's Jaro-Winkler part for tokens of lengths la, lb
 * with at most m matching characters and a common prefix of p: Jaro is at
 * most (m/la + m/lb + 1)/3 (no transpositions), the boost is increasing
 * in Jaro, and the length factor is exact.
 */
static inline double
jw_upper(int la, int lb, int m, int p)
{
	double		j;

	if (m <= 0)
		return 0.0;
	j = ((double) m / la + (double) m / lb + 1.0) / 3.0;
	j = j + (double) p * ARKA_JW_PREFIX_SCALE * (1.0 - j);
	return j * len_factor(la, lb) + BOUND_EPS;
}

/*
 * Tokens that say who or what a name is, for the one-word rule: words,
 * numbers, initials, and legal forms that may also be name parts.
 */
static inline bool
is_major(uint8_t cls, uint8_t flags)
{
	return cls == ARKA_TOK_WORD || cls == ARKA_TOK_NUMBER ||
		cls == ARKA_TOK_INITIAL ||
		(cls == ARKA_TOK_LEGAL && (flags & ARKA_TOKF_AMBIGUOUS));
}

/* What leaving a query token unmatched costs at least, per unit weight. */
static inline double
unmatched_cost(uint8_t cls)
{
	return cls == ARKA_TOK_LEGAL ? ARKA_MATCH_COST_LEGAL : ARKA_MATCH_COST_EXTRA_QUERY;
}

/*
 * Characters two tokens can have in common, from their 32-bin letter
 * counts: an upper bound of Jaro's matching characters.  One SSE2 min
 * and sum of absolute differences where available.
 */
static inline int
count_common(const uint8_t *a, const uint8_t *b)
{
#ifdef __SSE2__
	__m128i		a0 = _mm_loadu_si128((const __m128i *) a),
				a1 = _mm_loadu_si128((const __m128i *) (a + 16)),
				b0 = _mm_loadu_si128((const __m128i *) b),
				b1 = _mm_loadu_si128((const __m128i *) (b + 16));
	__m128i		m = _mm_add_epi64(_mm_sad_epu8(_mm_min_epu8(a0, b0), _mm_setzero_si128()),
								  _mm_sad_epu8(_mm_min_epu8(a1, b1), _mm_setzero_si128()));

	return _mm_cvtsi128_si32(m) + _mm_extract_epi16(m, 4);
#else
	int			common = 0;

	for (int k = 0; k < NBINS; k++)
		common += a[k] < b[k] ? a[k] : b[k];
	return common;
#endif
}

/*
 * Smallest number of common characters with which tokens of lengths la
 * and lb and a common prefix of p could reach the token floor (jw_upper
 * is increasing in m); top + 1 when no number could.  Tabulated per list
 * so that the searches compare integers.
 */
static int
min_common(int la, int lb, int p)
{
	int			top = la < lb ? la : lb;

	if (p > top)
		p = top;
	for (int m = 1; m <= top; m++)
		if (jw_upper(la, lb, m, p) >= ARKA_MATCH_TOKEN_FLOOR)
			return m;
	return top + 1;
}

/*
 * Similarity of two normalised tokens, in [0,1]; 0 means "no evidence".
 * Synonyms (ltd = limited, al = el) are equal; numbers match only exactly (11420
 * is not 11421); an initial matches any
 * word it starts; otherwise related tokens score Jaro-Winkler (Winkler's
 * boost threshold 0.7) times the length-ratio factor, raised to
 * ARKA_MATCH_SIM_SKELETON when the transliteration skeletons agree (with
 * at least three consonants and a Jaro-Winkler of at least
 * ARKA_MATCH_SKELETON_MIN_JW, or two and ARKA_MATCH_SKELETON_MIN_JW2:
 * "tony" and "donna" share a skeleton, "osama" and "usama" too), and
 * anything under ARKA_MATCH_TOKEN_FLOOR counts as 0 so that unrelated
 * tokens never add up to a match.
 */
static double
tok_sim(const ArkaMatchList *l, const TokView *a, const TokView *b, ArkaMatchSimKind *kind)
{
	bool		skel;
	double		s,
				jw;

	if (a->len == b->len && cps_eq(a->cps, b->cps, a->len))
	{
		if (kind)
			*kind = ARKA_SIM_EXACT;
		return 1.0;
	}
	if (a->group != 0 && a->group == b->group)
	{
		if (kind)
			*kind = ARKA_SIM_SYNONYM;
		return 1.0;
	}
	if (a->num || b->num)
		return 0.0;
	if (a->len == 1 || b->len == 1)
	{
		if (a->len == b->len || a->cps[0] != b->cps[0])
			return 0.0;
		if (kind)
			*kind = ARKA_SIM_INITIAL;
		return ARKA_MATCH_SIM_INITIAL;
	}
	skel = a->skel_len >= SKEL_MIN && a->skel_len == b->skel_len &&
		memcmp(a->skel, b->skel, (size_t) a->skel_len) == 0;
	if (!skel && a->cps[0] != b->cps[0] && !tail_related(a, b))
		return 0.0;
	if (!skel)
	{
		/* the letter-count bound settles most pairs without Jaro */
		int			top = a->len < b->len ? a->len : b->len;
		int			p = 0;

		while (p < ARKA_JW_PREFIX_MAX && p < top && a->cps[p] == b->cps[p])
			p++;
		if (count_common(a->counts, b->counts) < l->need[a->len][b->len][p])
			return 0.0;
	}
	jw = arka_jaro_winkler(a->cps, (size_t) a->len, b->cps, (size_t) b->len, 0.7);
	s = jw * len_factor(a->len, b->len);
	if (kind)
		*kind = ARKA_SIM_JARO_WINKLER;
	if (skel && s < ARKA_MATCH_SIM_SKELETON &&
		((jw >= ARKA_MATCH_SKELETON_MIN_JW && skel_consonants(a->skel, a->skel_len) >= 3) ||
		 (jw >= ARKA_MATCH_SKELETON_MIN_JW2 && skel_consonants(a->skel, a->skel_len) >= 2)))
	{
		s = ARKA_MATCH_SIM_SKELETON;
		if (kind)
			*kind = ARKA_SIM_SKELETON;
	}
	return s >= ARKA_MATCH_TOKEN_FLOOR ? s : 0.0;
}

/* ---------------------------------------------------------------------
 * Building
 * ---------------------------------------------------------------------
 */

/*
 * An empty list.  The threshold starts at the documented default; the
 * SQL layer may set a per-list one.
 */
ArkaMatchList *
arka_match_list_create(void)
{
	ArkaMatchList *l = calloc(1, sizeof(ArkaMatchList));

	if (!l)
		return NULL;
	l->mem = sizeof(ArkaMatchList);
	l->threshold = ARKA_MATCH_DEFAULT_THRESHOLD;
	for (int a = 1; a <= ARKA_NAME_MAX_TOKEN_CPS; a++)
		for (int b = 1; b <= ARKA_NAME_MAX_TOKEN_CPS; b++)
			for (int p = 0; p <= ARKA_JW_PREFIX_MAX; p++)
				l->need[a][b][p] = (uint8_t) min_common(a, b, p);
	return l;
}

/* Free everything the list owns, built or not. */
void
arka_match_list_free(ArkaMatchList *l)
{
	if (!l)
		return;
	arka_match_scratch_free(l->scratch);
	free(l->pool);
	free(l->entries);
	free(l->names);
	free(l->attrs);
	free(l->ptoks);
	free(l->pcps);
	free(l->ntoks);
	free(l->vocab);
	free(l->vcps);
	free(l->vcounts);
	free(l->vbins);
	free(l->vtext);
	free(l->vskel);
	free(l->postings);
	free(l->tail_next);
	free(l->skel_next);
	free(l->class_next);
	free(l->buckets);
	free(l->idents);
	free(l->tok_ht.id);
	free(l->tok_ht.hash);
	free(l->tail_ht.id);
	free(l->tail_ht.hash);
	free(l->skel_ht.id);
	free(l->skel_ht.hash);
	free(l->id_ht.id);
	free(l->id_ht.hash);
	free(l);
}

/* Map a normaliser status to the matcher's. */
static ArkaMatchStatus
name_status(ArkaNameStatus st)
{
	switch (st)
	{
		case ARKA_NAME_OK:
			return ARKA_MATCH_OK;
		case ARKA_NAME_EMPTY:
			return ARKA_MATCH_EEMPTY;
		case ARKA_NAME_TOO_LONG:
			return ARKA_MATCH_ETOOLONG;
		case ARKA_NAME_TOO_MANY_TOKENS:
			return ARKA_MATCH_ETOOMANY;
	}
	return ARKA_MATCH_EINVAL;
}

/* How to read commas in the names of an entry of this type. */
static ArkaNameMode
mode_for(uint8_t type)
{
	switch (type)
	{
		case ARKA_ENTRY_INDIVIDUAL:
			return ARKA_NAME_PERSON;
		case ARKA_ENTRY_ENTITY:
		case ARKA_ENTRY_VESSEL:
		case ARKA_ENTRY_AIRCRAFT:
			return ARKA_NAME_ORG;
		default:
			return ARKA_NAME_QUERY;
	}
}

/*
 * Normalise a name now (so errors reach the loader at the row that
 * caused them) and keep its tokens until finalise builds the vocabulary.
 */
static ArkaMatchStatus
add_name(ArkaMatchList *l, uint32_t entry, const char *name, size_t len,
		 bool weak, ArkaName *nm)
{
	MEntry	   *e = &l->entries[entry];
	MName	   *n;
	ArkaMatchStatus st;
	uint32_t	raw_off,
				norm_off;
	size_t		ncps = 0;

	st = name_status(arka_name_normalise(name, len, mode_for(e->type), nm));
	if (st != ARKA_MATCH_OK)
		return st;
	if (l->nnames >= INT32_MAX || e->name_count >= UINT16_MAX)
		return ARKA_MATCH_ELIMIT;
	for (int k = 0; k < nm->ntokens; k++)
		ncps += nm->tok[k].len;
	if (!mt_grow32(l, (void **) &l->names, &l->names_cap, l->nnames + 1, sizeof(MName)) ||
		!mt_grow32(l, (void **) &l->ptoks, &l->ptoks_cap, (size_t) l->nptoks + nm->ntokens, sizeof(PTok)) ||
		!mt_grow(l, (void **) &l->pcps, &l->pcps_cap, l->npcps + ncps, sizeof(uint32_t)))
		return ARKA_MATCH_ENOMEM;
	if (l->npcps + ncps >= UINT32_MAX)
		return ARKA_MATCH_ELIMIT;
	if ((st = pool_add(l, name, len, &raw_off)) != ARKA_MATCH_OK ||
		(st = pool_add(l, nm->display, nm->display_len, &norm_off)) != ARKA_MATCH_OK)
		return st;

	n = &l->names[l->nnames];
	n->entry = entry;
	n->raw_off = raw_off;
	n->norm_off = norm_off;
	n->tok_first = l->nptoks;
	n->ntok = (uint16_t) nm->ntokens;
	n->alias_no = (uint16_t) e->name_count;
	n->weak = weak ? 1 : 0;
	n->nmajor = 0;
	n->wplain = 0.0f;
	for (int k = 0; k < nm->ntokens; k++)
	{
		const ArkaNameToken *t = &nm->tok[k];
		PTok	   *p = &l->ptoks[l->nptoks++];

		p->cp_off = (uint32_t) l->npcps;
		p->len = t->len;
		p->cls = t->cls;
		p->flags = t->flags;
		p->group = t->group;
		p->weight = t->weight;
		memcpy(l->pcps + l->npcps, nm->cps + t->cp_off, t->len * sizeof(uint32_t));
		l->npcps += t->len;
		if (is_major(t->cls, t->flags))
			n->nmajor++;
		if (t->cls != ARKA_TOK_LEGAL)
			n->wplain += t->weight;
	}
	l->nnames++;
	e->name_count++;
	return ARKA_MATCH_OK;
}

/*
 * Add an entry with its primary name.  The entry index (0-based, in add
 * order) is what aliases, identifiers and results refer to.  On error
 * nothing is added.
 */
ArkaMatchStatus
arka_match_add_entry(ArkaMatchList *l, const char *entry_id, size_t id_len,
					 ArkaEntryType type, const char *name, size_t name_len,
					 uint32_t *entry_out)
{
	ArkaName   *nm;
	ArkaMatchStatus st;
	MEntry	   *e;
	uint32_t	save_pool;

	if (!l || !name || (!entry_id && id_len) || type > ARKA_ENTRY_AIRCRAFT)
		return ARKA_MATCH_EINVAL;
	if (l->finalised || l->failed)
		return ARKA_MATCH_ESTATE;
	if (l->nentries >= INT32_MAX)
		return ARKA_MATCH_ELIMIT;
	if (!mt_grow32(l, (void **) &l->entries, &l->entries_cap, l->nentries + 1, sizeof(MEntry)))
		return ARKA_MATCH_ENOMEM;
	if ((nm = malloc(sizeof(ArkaName))) == NULL)
		return ARKA_MATCH_ENOMEM;
	save_pool = (uint32_t) l->pool_len;
	e = &l->entries[l->nentries];
	memset(e, 0, sizeof(*e));
	e->type = (uint8_t) type;
	st = pool_add(l, entry_id ? entry_id : "", id_len, &e->id_off);
	if (st == ARKA_MATCH_OK)
		st = add_name(l, l->nentries, name, name_len, false, nm);
	free(nm);
	if (st != ARKA_MATCH_OK)
	{
		l->pool_len = save_pool;
		return st;
	}
	if (entry_out)
		*entry_out = l->nentries;
	l->nentries++;
	return ARKA_MATCH_OK;
}

/*
 * Add an alias.  weak marks the low-quality a.k.a.s OFAC keeps only in
 * Remarks (Watchman #450): they are searchable, at a slight discount.
 */
ArkaMatchStatus
arka_match_add_alias(ArkaMatchList *l, uint32_t entry, const char *name,
					 size_t name_len, bool weak)
{
	ArkaName   *nm;
	ArkaMatchStatus st;

	if (!l || !name || entry >= l->nentries)
		return ARKA_MATCH_EINVAL;
	if (l->finalised || l->failed)
		return ARKA_MATCH_ESTATE;
	if ((nm = malloc(sizeof(ArkaName))) == NULL)
		return ARKA_MATCH_ENOMEM;
	st = add_name(l, entry, name, name_len, weak, nm);
	free(nm);
	return st;
}

/* Store an identifier, program or country of an entry, as text. */
static ArkaMatchStatus
add_attr(ArkaMatchList *l, uint32_t entry, char kind, const char *a, size_t alen,
		 const char *b, size_t blen)
{
	MAttr	   *at;
	ArkaMatchStatus st;
	uint32_t	a_off = 0,
				b_off;

	if (!l || !b || entry >= l->nentries || (!a && alen))
		return ARKA_MATCH_EINVAL;
	if (l->finalised || l->failed)
		return ARKA_MATCH_ESTATE;
	if (l->nattrs >= INT32_MAX)
		return ARKA_MATCH_ELIMIT;
	if (!mt_grow32(l, (void **) &l->attrs, &l->attrs_cap, l->nattrs + 1, sizeof(MAttr)))
		return ARKA_MATCH_ENOMEM;
	if (kind == 'i' && (st = pool_add(l, a ? a : "", alen, &a_off)) != ARKA_MATCH_OK)
		return st;
	if ((st = pool_add(l, b, blen, &b_off)) != ARKA_MATCH_OK)
		return st;
	at = &l->attrs[l->nattrs++];
	at->entry = entry;
	at->a_off = a_off;
	at->b_off = b_off;
	at->kind = kind;
	l->entries[entry].attr_count++;
	return ARKA_MATCH_OK;
}

/* An identifier (type free text such as "Passport", "IMO"). */
ArkaMatchStatus
arka_match_add_identifier(ArkaMatchList *l, uint32_t entry, const char *type,
						  size_t type_len, const char *value, size_t value_len)
{
	return add_attr(l, entry, 'i', type, type_len, value, value_len);
}

/* A sanctions program of the entry (shown in the evidence). */
ArkaMatchStatus
arka_match_add_program(ArkaMatchList *l, uint32_t entry, const char *program, size_t len)
{
	return add_attr(l, entry, 'p', NULL, 0, program, len);
}

/* A country of the entry (shown in the evidence). */
ArkaMatchStatus
arka_match_add_country(ArkaMatchList *l, uint32_t entry, const char *country, size_t len)
{
	return add_attr(l, entry, 'c', NULL, 0, country, len);
}

/* The list's own default min_score, (0, 1]; other values are ignored. */
void
arka_match_set_threshold(ArkaMatchList *l, double threshold)
{
	if (l && threshold > 0.0 && threshold <= 1.0)
		l->threshold = threshold;
}

/* The min_score used when a screen passes a negative one. */
double
arka_match_threshold(const ArkaMatchList *l)
{
	return l ? l->threshold : ARKA_MATCH_DEFAULT_THRESHOLD;
}

/* ---------------------------------------------------------------------
 * Finalise
 * ---------------------------------------------------------------------
 */

/* A distinct token while the vocabulary is being built. */
typedef struct ProvTok
{
	const uint32_t *cps;		/* into pcps, which no longer moves */
	uint32_t	cp_off;
	uint32_t	len;
	uint32_t	final;			/* provisional id before sorting */
} ProvTok;

/* Order of vocabulary tokens: first code point, length, code points. */
static int
prov_cmp(const void *x, const void *y)
{
	const ProvTok *a = x,
			   *b = y;

	if (a->cps[0] != b->cps[0])
		return a->cps[0] < b->cps[0] ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	for (uint32_t i = 1; i < a->len; i++)
		if (a->cps[i] != b->cps[i])
			return a->cps[i] < b->cps[i] ? -1 : 1;
	return 0;
}

/* Find the slot of a vocabulary token (given by code points) in tok_ht. */
static uint32_t
tok_slot(const HTab *h, const uint32_t *vcps, const MVocab *vocab,
		 const uint32_t *key, int len, uint32_t hash)
{
	uint32_t	i = hash & h->mask;

	for (;; i = (i + 1) & h->mask)
	{
		uint32_t	id = h->id[i];

		if (id == NONE)
			return i;
		if (h->hash[i] == hash && vocab[id].len == len &&
			cps_eq(vcps + vocab[id].cp_off, key, len))
			return i;
	}
}

/* Slot of a tail key (token minus its first code point). */
static uint32_t
tail_slot(const ArkaMatchList *l, const uint32_t *key, int len, uint32_t hash)
{
	const HTab *h = &l->tail_ht;
	uint32_t	i = hash & h->mask;

	for (;; i = (i + 1) & h->mask)
	{
		uint32_t	id = h->id[i];

		if (id == NONE)
			return i;
		if (h->hash[i] == hash && l->vocab[id].len == len + 1 &&
			cps_eq(l->vcps + l->vocab[id].cp_off + 1, key, len))
			return i;
	}
}

/* Slot of a skeleton key. */
static uint32_t
skel_slot(const ArkaMatchList *l, const char *key, int len, uint32_t hash)
{
	const HTab *h = &l->skel_ht;
	uint32_t	i = hash & h->mask;

	for (;; i = (i + 1) & h->mask)
	{
		uint32_t	id = h->id[i];

		if (id == NONE)
			return i;
		if (h->hash[i] == hash && l->vocab[id].skel_len == len &&
			memcmp(l->vskel + l->vocab[id].skel_off, key, (size_t) len) == 0)
			return i;
	}
}

/* Normalised identifier value; keep_case for base58/bech32 addresses. */
static size_t
ident_norm(const char *s, size_t len, bool keep_case, char *out, size_t cap)
{
	size_t		n = 0;

	for (size_t i = 0; i < len && n < cap; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))
			out[n++] = (char) c;
		else if (c >= 'a' && c <= 'z')
			out[n++] = keep_case ? (char) c : (char) (c - 'a' + 'A');
	}
	return n;
}

/* Case-insensitive ASCII substring test. */
static bool
ci_contains(const char *hay, const char *needle)
{
	size_t		nl = strlen(needle);

	for (; *hay; hay++)
	{
		size_t		i = 0;

		while (i < nl && hay[i] &&
			   (hay[i] | 0x20) == (needle[i] | 0x20))
			i++;
		if (i == nl)
			return true;
	}
	return false;
}

/* Digital-currency addresses are case-sensitive, except 0x-hex ones. */
static bool
ident_keeps_case(const char *type, const char *value, size_t vlen)
{
	if (!type || !ci_contains(type, "digital currency"))
		return false;
	if (vlen >= 2 && value[0] == '0' && (value[1] == 'x' || value[1] == 'X'))
		return false;
	return true;
}

/* Slot of a normalised identifier in id_ht. */
static uint32_t
ident_slot(const ArkaMatchList *l, const char *key, size_t len, uint32_t hash)
{
	const HTab *h = &l->id_ht;
	uint32_t	i = hash & h->mask;

	for (;; i = (i + 1) & h->mask)
	{
		uint32_t	id = h->id[i];
		const char *k;

		if (id == NONE)
			return i;
		k = l->pool + l->idents[id].key_off;
		if (h->hash[i] == hash && strlen(k) == len && memcmp(k, key, len) == 0)
			return i;
	}
}

/* Sort names and attributes by entry (stable) and record the ranges. */
static bool
group_by_entry(ArkaMatchList *l)
{
	uint32_t   *cnt;
	MName	   *nn;
	MAttr	   *na;

	cnt = calloc((size_t) l->nentries + 1, sizeof(uint32_t));
	nn = malloc(((size_t) l->nnames + 1) * sizeof(MName));
	na = malloc(((size_t) l->nattrs + 1) * sizeof(MAttr));
	if (!cnt || !nn || !na)
	{
		free(cnt);
		free(nn);
		free(na);
		return false;
	}
	for (uint32_t e = 0, acc = 0; e < l->nentries; e++)
	{
		l->entries[e].name_first = acc;
		acc += l->entries[e].name_count;
		cnt[e] = l->entries[e].name_first;
	}
	for (uint32_t i = 0; i < l->nnames; i++)
		nn[cnt[l->names[i].entry]++] = l->names[i];
	for (uint32_t e = 0, acc = 0; e < l->nentries; e++)
	{
		l->entries[e].attr_first = acc;
		acc += l->entries[e].attr_count;
		cnt[e] = l->entries[e].attr_first;
	}
	for (uint32_t i = 0; i < l->nattrs; i++)
		na[cnt[l->attrs[i].entry]++] = l->attrs[i];
	if (l->nnames)
		memcpy(l->names, nn, l->nnames * sizeof(MName));
	if (l->nattrs)
		memcpy(l->attrs, na, l->nattrs * sizeof(MAttr));
	free(cnt);
	free(nn);
	free(na);
	return true;
}

/*
 * Build the vocabulary, the postings, the hash tables and the buckets.
 * Called once; afterwards the list is read-only.  Temporary memory is
 * released before returning, on success and on failure; after a failure
 * (out of memory) the list can only be freed.
 */
ArkaMatchStatus
arka_match_finalise(ArkaMatchList *l)
{
	ProvTok    *prov = NULL;
	uint32_t   *prov_of_tok = NULL;
	uint32_t   *remap = NULL;
	uint32_t   *seen = NULL;
	HTab		pht = {0};
	uint32_t	nprov = 0;
	size_t		text_len = 0,
				skel_len = 0,
				cps_len = 0,
				post_len = 0;
	ArkaMatchStatus st = ARKA_MATCH_ENOMEM;
	char		skel[SKEL_CAP];

	if (!l)
		return ARKA_MATCH_EINVAL;
	if (l->finalised || l->failed)
		return ARKA_MATCH_ESTATE;
	if (!group_by_entry(l))
	{
		l->failed = true;
		return ARKA_MATCH_ENOMEM;
	}

	/* 1. distinct tokens, in first-seen order */
	prov = malloc(((size_t) l->nptoks + 1) * sizeof(ProvTok));
	prov_of_tok = malloc(((size_t) l->nptoks + 1) * sizeof(uint32_t));
	if (!prov || !prov_of_tok || !ht_init(l, &pht, l->nptoks))
		goto done;
	for (uint32_t k = 0; k < l->nptoks; k++)
	{
		const PTok *p = &l->ptoks[k];
		const uint32_t *key = l->pcps + p->cp_off;
		uint32_t	h = hash_cps(key, p->len);
		uint32_t	i = h & pht.mask;

		for (;; i = (i + 1) & pht.mask)
		{
			uint32_t	id = pht.id[i];

			if (id == NONE)
			{
				pht.id[i] = nprov;
				pht.hash[i] = h;
				prov[nprov].cps = key;
				prov[nprov].cp_off = p->cp_off;
				prov[nprov].len = p->len;
				prov[nprov].final = nprov;
				prov_of_tok[k] = nprov++;
				break;
			}
			if (pht.hash[i] == h && prov[id].len == p->len &&
				cps_eq(l->pcps + prov[id].cp_off, key, p->len))
			{
				prov_of_tok[k] = id;
				break;
			}
		}
	}
	ht_free(l, &pht);

	/* 2. sort into buckets; remap provisional ids to final ones */
	remap = malloc(((size_t) nprov + 1) * sizeof(uint32_t));
	if (!remap)
		goto done;
	qsort(prov, nprov, sizeof(ProvTok), prov_cmp);
	for (uint32_t v = 0; v < nprov; v++)
	{
		remap[prov[v].final] = v;
		cps_len += prov[v].len;
		text_len += (size_t) prov[v].len * 4 + 1;
		skel_len += (size_t) prov[v].len * 2 + 1;
	}

	/* 3. vocabulary arrays */
	l->nvocab = nprov;
	l->sz_vocab = ((size_t) nprov + 1) * sizeof(MVocab);
	l->sz_vcps = (cps_len + 1) * sizeof(uint32_t);
	l->sz_vcounts = ((size_t) nprov + 1) * NBINS;
	l->sz_vtext = text_len + 1;
	l->sz_vskel = skel_len + 1;
	l->vocab = mt_calloc(l, l->sz_vocab);
	l->vcps = mt_alloc(l, l->sz_vcps);
	l->vcounts = mt_alloc(l, l->sz_vcounts);
	l->vbins_stride = (size_t) nprov + 32;
	l->sz_vbins = l->vbins_stride * NBINS;
	l->vbins = mt_calloc(l, l->sz_vbins);
	l->vtext = mt_alloc(l, l->sz_vtext);
	l->vskel = mt_alloc(l, l->sz_vskel);
	if (!l->vocab || !l->vcps || !l->vcounts || !l->vbins || !l->vtext || !l->vskel)
		goto done;
	cps_len = text_len = skel_len = 0;
	for (uint32_t v = 0; v < nprov; v++)
	{
		MVocab	   *vb = &l->vocab[v];
		const uint32_t *src = l->pcps + prov[v].cp_off;
		int			len = (int) prov[v].len;
		int			sl;
		char		tbuf[24];
		bool		ascii = true;

		vb->cp_off = (uint32_t) cps_len;
		vb->len = (uint8_t) len;
		memcpy(l->vcps + cps_len, src, (size_t) len * sizeof(uint32_t));
		cps_len += len;
		make_counts(src, len, l->vcounts + (size_t) v * NBINS);
		for (int k = 0; k < NBINS; k++)
			l->vbins[(size_t) k * l->vbins_stride + v] = l->vcounts[(size_t) v * NBINS + k];
		vb->text_off = (uint32_t) text_len;
		for (int c = 0; c < len; c++)
		{
			uint32_t	cp = src[c];
			char	   *p = l->vtext + text_len;

			if (cp >= 0x80)
				ascii = false;
			if (cp < 0x80)
				p[0] = (char) cp, text_len += 1;
			else if (cp < 0x800)
				p[0] = (char) (0xC0 | (cp >> 6)), p[1] = (char) (0x80 | (cp & 0x3F)), text_len += 2;
			else if (cp < 0x10000)
				p[0] = (char) (0xE0 | (cp >> 12)), p[1] = (char) (0x80 | ((cp >> 6) & 0x3F)),
					p[2] = (char) (0x80 | (cp & 0x3F)), text_len += 3;
			else
				p[0] = (char) (0xF0 | (cp >> 18)), p[1] = (char) (0x80 | ((cp >> 12) & 0x3F)),
					p[2] = (char) (0x80 | ((cp >> 6) & 0x3F)), p[3] = (char) (0x80 | (cp & 0x3F)),
					text_len += 4;
		}
		l->vtext[text_len++] = '\0';
		vb->num = 1;
		for (int c = 0; c < len; c++)
			if (src[c] < '0' || src[c] > '9')
				vb->num = 0;
		if (ascii && len < (int) sizeof(tbuf))
		{
			for (int c = 0; c < len; c++)
				tbuf[c] = (char) src[c];
			vb->cls = (uint8_t) arka_name_classify(tbuf, (size_t) len);
		}
		else
			vb->cls = len == 1 ? ARKA_TOK_INITIAL : (vb->num ? ARKA_TOK_NUMBER : ARKA_TOK_WORD);
		if (ascii && len < (int) sizeof(tbuf))
		{
			int			g = 0;

			arka_name_classify_group(tbuf, (size_t) len, &g);
			vb->group = (uint8_t) g;
		}
		sl = make_skel(src, len, skel);
		vb->skel_off = (uint32_t) skel_len;
		vb->skel_len = (uint8_t) sl;
		memcpy(l->vskel + skel_len, skel, (size_t) sl + 1);
		skel_len += (size_t) sl + 1;
	}

	/* 4. name tokens point at the vocabulary; postings per token */
	l->sz_ntoks = ((size_t) l->nptoks + 1) * sizeof(MNameTok);
	l->ntoks = mt_alloc(l, l->sz_ntoks);
	seen = calloc((size_t) nprov + 1, sizeof(uint32_t));
	if (!l->ntoks || !seen)
		goto done;
	for (uint32_t k = 0; k < l->nptoks; k++)
	{
		l->ntoks[k].vocab = remap[prov_of_tok[k]];
		l->ntoks[k].weight = l->ptoks[k].weight;
		l->ntoks[k].cls = l->ptoks[k].cls;
		l->ntoks[k].flags = l->ptoks[k].flags;
	}
	/* count distinct (token, name) pairs: seen[v] holds name + 1 */
	for (uint32_t n = 0; n < l->nnames; n++)
	{
		const MName *nm = &l->names[n];

		for (int k = 0; k < nm->ntok; k++)
		{
			uint32_t	v = l->ntoks[nm->tok_first + k].vocab;

			if (seen[v] != n + 1)
			{
				seen[v] = n + 1;
				l->vocab[v].npost++;
				post_len++;
			}
		}
	}
	l->sz_post = (post_len + 1) * sizeof(uint32_t);
	l->postings = mt_alloc(l, l->sz_post);
	if (!l->postings)
		goto done;
	post_len = 0;
	for (uint32_t v = 0; v < nprov; v++)
	{
		l->vocab[v].post_off = (uint32_t) post_len;
		post_len += l->vocab[v].npost;
		l->vocab[v].npost = 0;
	}
	memset(seen, 0, ((size_t) nprov + 1) * sizeof(uint32_t));
	for (uint32_t n = 0; n < l->nnames; n++)
	{
		const MName *nm = &l->names[n];

		for (int k = 0; k < nm->ntok; k++)
		{
			uint32_t	v = l->ntoks[nm->tok_first + k].vocab;

			if (seen[v] != n + 1)
			{
				seen[v] = n + 1;
				l->postings[l->vocab[v].post_off + l->vocab[v].npost++] = n;
			}
		}
	}

	/* 5. token, tail and skeleton tables; buckets */
	l->sz_next = ((size_t) nprov + 1) * sizeof(uint32_t);
	l->tail_next = mt_alloc(l, l->sz_next);
	l->skel_next = mt_alloc(l, l->sz_next);
	l->class_next = mt_alloc(l, l->sz_next);
	if (!l->tail_next || !l->skel_next || !l->class_next ||
		!ht_init(l, &l->tok_ht, nprov) || !ht_init(l, &l->tail_ht, nprov) ||
		!ht_init(l, &l->skel_ht, nprov))
		goto done;
	for (int g = 0; g < 256; g++)
		l->group_head[g] = NONE;
	for (uint32_t v = nprov; v-- > 0;)
	{
		const MVocab *vb = &l->vocab[v];

		l->class_next[v] = NONE;
		if (vb->group)
		{
			l->class_next[v] = l->group_head[vb->group];
			l->group_head[vb->group] = v;
		}
	}
	for (uint32_t v = 0; v < nprov; v++)
	{
		const MVocab *vb = &l->vocab[v];
		const uint32_t *cps = l->vcps + vb->cp_off;
		uint32_t	h,
					i;

		h = hash_cps(cps, vb->len);
		i = tok_slot(&l->tok_ht, l->vcps, l->vocab, cps, vb->len, h);
		l->tok_ht.id[i] = v;
		l->tok_ht.hash[i] = h;

		l->tail_next[v] = NONE;
		if (vb->len >= 2)
		{
			h = hash_cps(cps + 1, vb->len - 1);
			i = tail_slot(l, cps + 1, vb->len - 1, h);
			l->tail_next[v] = l->tail_ht.id[i];
			l->tail_ht.id[i] = v;
			l->tail_ht.hash[i] = h;
		}
		l->skel_next[v] = NONE;
		if (vb->skel_len >= SKEL_MIN)
		{
			const char *sk = l->vskel + vb->skel_off;

			h = hash_bytes(sk, vb->skel_len);
			i = skel_slot(l, sk, vb->skel_len, h);
			l->skel_next[v] = l->skel_ht.id[i];
			l->skel_ht.id[i] = v;
			l->skel_ht.hash[i] = h;
		}
	}
	l->nbuckets = 0;
	for (uint32_t v = 0; v < nprov; v++)
		if (v == 0 || l->vcps[l->vocab[v].cp_off] != l->vcps[l->vocab[v - 1].cp_off])
			l->nbuckets++;
	l->sz_buckets = ((size_t) l->nbuckets + 1) * sizeof(Bucket);
	l->buckets = mt_alloc(l, l->sz_buckets);
	if (!l->buckets)
		goto done;
	l->nbuckets = 0;
	for (uint32_t v = 0; v < nprov; v++)
	{
		uint32_t	cp = l->vcps[l->vocab[v].cp_off];

		if (v == 0 || cp != l->buckets[l->nbuckets - 1].cp)
		{
			l->buckets[l->nbuckets].cp = cp;
			l->buckets[l->nbuckets].start = v;
			l->nbuckets++;
		}
		l->buckets[l->nbuckets - 1].end = v + 1;
	}

	/* 6. identifiers */
	{
		uint32_t	nid = 0;

		for (uint32_t a = 0; a < l->nattrs; a++)
			if (l->attrs[a].kind == 'i')
				nid++;
		l->sz_idents = ((size_t) nid + 1) * sizeof(MIdent);
		l->idents = mt_alloc(l, l->sz_idents);
		if (!l->idents || !ht_init(l, &l->id_ht, nid))
			goto done;
		for (uint32_t a = 0; a < l->nattrs; a++)
		{
			const MAttr *at = &l->attrs[a];
			const char *val = l->pool + at->b_off;
			size_t		vlen = strlen(val);
			char	   *key;
			size_t		klen;
			uint32_t	h,
						i,
						key_off;

			if (at->kind != 'i')
				continue;
			key = malloc(vlen + 1);
			if (!key)
				goto done;
			klen = ident_norm(val, vlen,
							  ident_keeps_case(l->pool + at->a_off, val, vlen),
							  key, vlen);
			if (klen == 0)
			{
				free(key);
				continue;
			}
			st = pool_add(l, key, klen, &key_off);
			if (st != ARKA_MATCH_OK)
			{
				free(key);
				goto done;
			}
			st = ARKA_MATCH_ENOMEM;
			h = hash_bytes(key, klen);
			i = ident_slot(l, key, klen, h);
			free(key);
			l->idents[l->nidents].attr = a;
			l->idents[l->nidents].key_off = key_off;
			l->idents[l->nidents].next = l->id_ht.id[i];
			l->id_ht.id[i] = l->nidents;
			l->id_ht.hash[i] = h;
			l->nidents++;
		}
	}

	l->finalised = true;
	l->scratch = arka_match_scratch_create(l);
	if (!l->scratch)
	{
		l->finalised = false;
		goto done;
	}

	/* pending tokens are no longer needed */
	mt_free(l, l->ptoks, (size_t) l->ptoks_cap * sizeof(PTok));
	mt_free(l, l->pcps, l->pcps_cap * sizeof(uint32_t));
	l->ptoks = NULL;
	l->pcps = NULL;
	l->ptoks_cap = 0;
	l->pcps_cap = 0;
	st = ARKA_MATCH_OK;

done:
	ht_free(l, &pht);
	free(prov);
	free(prov_of_tok);
	free(remap);
	free(seen);
	if (st != ARKA_MATCH_OK)
		l->failed = true;		/* half built: the caller can only free it */
	return st;
}

/* ---------------------------------------------------------------------
 * Inspecting
 * ---------------------------------------------------------------------
 */
uint32_t
arka_match_entry_count(const ArkaMatchList *l)
{
	return l ? l->nentries : 0;
}

/* Names in the list, primary and aliases. */
uint32_t
arka_match_name_count(const ArkaMatchList *l)
{
	return l ? l->nnames : 0;
}

/* Distinct normalised tokens (the vocabulary). */
uint32_t
arka_match_vocab_count(const ArkaMatchList *l)
{
	return l ? l->nvocab : 0;
}

/* Bytes held by the list, scratch space included. */
size_t
arka_match_memory(const ArkaMatchList *l)
{
	return l ? l->mem : 0;
}

/* The entry id as added (NUL-terminated, owned by the list). */
const char *
arka_match_entry_id(const ArkaMatchList *l, uint32_t entry)
{
	if (!l || entry >= l->nentries)
		return NULL;
	return l->pool + l->entries[entry].id_off;
}

/* The entry type as added. */
ArkaEntryType
arka_match_entry_type(const ArkaMatchList *l, uint32_t entry)
{
	if (!l || entry >= l->nentries)
		return ARKA_ENTRY_UNKNOWN;
	return (ArkaEntryType) l->entries[entry].type;
}

/* How many names (primary + aliases) an entry has. */
int
arka_match_entry_names(const ArkaMatchList *l, uint32_t entry)
{
	if (!l || !l->finalised || entry >= l->nentries)
		return 0;
	return (int) l->entries[entry].name_count;
}

/* The k-th name of an entry (0 = primary), as added. */
const char *
arka_match_entry_name(const ArkaMatchList *l, uint32_t entry, int k, bool *weak)
{
	const MName *n;

	if (!l || !l->finalised || entry >= l->nentries || k < 0 ||
		(uint32_t) k >= l->entries[entry].name_count)
		return NULL;
	n = &l->names[l->entries[entry].name_first + k];
	if (weak)
		*weak = n->weak != 0;
	return l->pool + n->raw_off;
}

/* Count of an entry's attributes of one kind: 'i', 'p' or 'c'. */
int
arka_match_entry_attrs(const ArkaMatchList *l, uint32_t entry, char kind)
{
	int			n = 0;

	if (!l || !l->finalised || entry >= l->nentries)
		return 0;
	for (uint32_t a = 0; a < l->entries[entry].attr_count; a++)
		if (l->attrs[l->entries[entry].attr_first + a].kind == kind)
			n++;
	return n;
}

/* The k-th attribute of one kind; for identifiers also its type. */
const char *
arka_match_entry_attr(const ArkaMatchList *l, uint32_t entry, char kind, int k,
					  const char **id_type)
{
	if (!l || !l->finalised || entry >= l->nentries || k < 0)
		return NULL;
	for (uint32_t a = 0; a < l->entries[entry].attr_count; a++)
	{
		const MAttr *at = &l->attrs[l->entries[entry].attr_first + a];

		if (at->kind != kind)
			continue;
		if (k-- == 0)
		{
			if (id_type)
				*id_type = kind == 'i' ? l->pool + at->a_off : NULL;
			return l->pool + at->b_off;
		}
	}
	return NULL;
}

/* Text form of an entry type, as in the evidence. */
const char *
arka_match_entry_type_string(ArkaEntryType type)
{
	switch (type)
	{
		case ARKA_ENTRY_INDIVIDUAL:
			return "individual";
		case ARKA_ENTRY_ENTITY:
			return "entity";
		case ARKA_ENTRY_VESSEL:
			return "vessel";
		case ARKA_ENTRY_AIRCRAFT:
			return "aircraft";
		default:
			return "unknown";
	}
}

/* Text form of a status, for error messages. */
const char *
arka_match_status_string(ArkaMatchStatus st)
{
	switch (st)
	{
		case ARKA_MATCH_OK:
			return "ok";
		case ARKA_MATCH_ENOMEM:
			return "out of memory";
		case ARKA_MATCH_EINVAL:
			return "invalid argument";
		case ARKA_MATCH_ESTATE:
			return "watchlist is not in the right state (finalised?)";
		case ARKA_MATCH_ETOOLONG:
			return "name is longer than 4096 bytes";
		case ARKA_MATCH_ETOOMANY:
			return "name has more than 48 words";
		case ARKA_MATCH_EEMPTY:
			return "name has no letters or digits";
		case ARKA_MATCH_ELIMIT:
			return "watchlist too large";
	}
	return "unknown status";
}

/* ---------------------------------------------------------------------
 * Scratch space
 * ---------------------------------------------------------------------
 */

/*
 * Per-screen working memory sized for one finalised list.  Stamps make
 * clearing free between screens; only wrap-around clears for real.
 */
ArkaMatchScratch *
arka_match_scratch_create(const ArkaMatchList *l)
{
	ArkaMatchScratch *s;
	size_t		ne,
				nn,
				nv;

	if (!l || !l->finalised)
		return NULL;
	ne = (size_t) l->nentries + 1;
	nn = (size_t) l->nnames + 1;
	nv = (size_t) l->nvocab + 1;
	s = calloc(1, sizeof(ArkaMatchScratch));
	if (!s)
		return NULL;
	s->list = l;
	s->name_stamp = calloc(nn, sizeof(uint32_t));
	s->entry_stamp = calloc(ne, sizeof(uint32_t));
	s->entry_best = calloc(ne, sizeof(double));
	s->entry_name = calloc(ne, sizeof(uint32_t));
	s->touched = calloc(ne, sizeof(uint32_t));
	s->name_mask = calloc(nn, sizeof(uint64_t));
	s->pc_off = malloc(nv * sizeof(uint32_t));
	s->pc_cnt = calloc(nv, sizeof(uint32_t));
	if (s->pc_off)
		memset(s->pc_off, 0xFF, nv * sizeof(uint32_t));
	s->vrow_stamp = calloc(nv, sizeof(uint32_t));
	s->vrow_off = calloc(nv, sizeof(uint32_t));
	if (!s->name_stamp || !s->entry_stamp || !s->entry_best || !s->entry_name ||
		!s->touched || !s->vrow_stamp || !s->vrow_off || !s->name_mask ||
		!s->pc_off || !s->pc_cnt)
	{
		arka_match_scratch_free(s);
		return NULL;
	}
	/* the list's own scratch counts towards its memory */
	if (l->scratch == NULL)
		((ArkaMatchList *) l)->mem += sizeof(ArkaMatchScratch) +
			nn * (sizeof(uint32_t) + sizeof(uint64_t)) +
			ne * (3 * sizeof(uint32_t) + sizeof(double)) +
			nv * 4 * sizeof(uint32_t);
	return s;
}

/* Free a scratch from arka_match_scratch_create (NULL is fine). */
void
arka_match_scratch_free(ArkaMatchScratch *s)
{
	if (!s)
		return;
	free(s->name_stamp);
	free(s->entry_stamp);
	free(s->entry_best);
	free(s->entry_name);
	free(s->touched);
	free(s->vrow_stamp);
	free(s->vrow_off);
	free(s->memo);
	free(s->cand);
	free(s->name_mask);
	free(s->hits);
	free(s->pc_off);
	free(s->pc_cnt);
	free(s->pc_ids);
	free(s->pc_sims);
	free(s);
}

/* Start a new screen: bump the stamp, clearing only on wrap-around. */
static void
scratch_begin(ArkaMatchScratch *s)
{
	const ArkaMatchList *l = s->list;

	s->stamp++;
	if (s->stamp == 0)
	{
		memset(s->name_stamp, 0, ((size_t) l->nnames + 1) * sizeof(uint32_t));
		memset(s->entry_stamp, 0, ((size_t) l->nentries + 1) * sizeof(uint32_t));
		memset(s->vrow_stamp, 0, ((size_t) l->nvocab + 1) * sizeof(uint32_t));
		s->stamp = 1;
	}
	s->ntouched = 0;
	s->memo_len = 0;
	s->ncand = 0;
	s->nhits = 0;
	s->nscored = 0;
	s->oom = false;
}

/*
 * The memo row of a vocabulary token: one similarity per query token, -1
 * while unknown.  Returns the row's offset in s->memo (the array may
 * move), or NONE when memory runs out.
 */
static uint32_t
memo_row(ArkaMatchScratch *s, uint32_t v, int m)
{
	if (s->vrow_stamp[v] == s->stamp)
		return s->vrow_off[v];
	if (s->memo_len + (size_t) m > s->memo_cap)
	{
		size_t		ncap = s->memo_cap ? s->memo_cap * 2 : 4096;
		double	   *p;

		while (ncap < s->memo_len + (size_t) m)
			ncap *= 2;
		if (ncap >= UINT32_MAX || (p = realloc(s->memo, ncap * sizeof(double))) == NULL)
		{
			s->oom = true;
			return NONE;
		}
		s->memo = p;
		s->memo_cap = ncap;
	}
	for (int i = 0; i < m; i++)
		s->memo[s->memo_len + i] = -1.0;
	s->vrow_stamp[v] = s->stamp;
	s->vrow_off[v] = (uint32_t) s->memo_len;
	s->memo_len += m;
	return s->vrow_off[v];
}

/* Append a candidate name; false (and oom set) when memory runs out. */
static bool
cand_push(ArkaMatchScratch *s, uint32_t name)
{
	if (s->ncand >= s->cand_cap)
	{
		size_t		ncap = s->cand_cap ? s->cand_cap * 2 : 1024;
		uint32_t   *p = realloc(s->cand, ncap * sizeof(uint32_t));

		if (!p)
		{
			s->oom = true;
			return false;
		}
		s->cand = p;
		s->cand_cap = ncap;
	}
	s->cand[s->ncand++] = name;
	return true;
}

/* ---------------------------------------------------------------------
 * Query preparation
 * ---------------------------------------------------------------------
 */
static inline TokView
vocab_view(const ArkaMatchList *l, uint32_t v)
{
	const MVocab *vb = &l->vocab[v];
	TokView		t;

	t.cps = l->vcps + vb->cp_off;
	t.len = vb->len;
	t.skel = l->vskel + vb->skel_off;
	t.skel_len = vb->skel_len;
	t.num = vb->num != 0;
	t.group = vb->group;
	t.counts = l->vcounts + (size_t) v * NBINS;
	return t;
}

/* The bucket of tokens starting with cp, or NULL: binary search. */
static const Bucket *
find_bucket(const ArkaMatchList *l, uint32_t cp)
{
	uint32_t	lo = 0,
				hi = l->nbuckets;

	while (lo < hi)
	{
		uint32_t	mid = (lo + hi) / 2;

		if (l->buckets[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < l->nbuckets && l->buckets[lo].cp == cp)
		return &l->buckets[lo];
	return NULL;
}

/* First vocab index in [start,end) whose length is >= len. */
static uint32_t
bucket_lower(const ArkaMatchList *l, uint32_t start, uint32_t end, int len)
{
	while (start < end)
	{
		uint32_t	mid = start + (end - start) / 2;

		if (l->vocab[mid].len < len)
			start = mid + 1;
		else
			end = mid;
	}
	return start;
}

/* Vocabulary id of a token given by code points, or NONE. */
static uint32_t
lookup_token(const ArkaMatchList *l, const uint32_t *cps, int len)
{
	uint32_t	i;

	if (len <= 0)
		return NONE;
	i = tok_slot(&l->tok_ht, l->vcps, l->vocab, cps, len, hash_cps(cps, len));
	return l->tok_ht.id[i];
}

/* Turn the normalised query into scoring tokens with their search keys. */
static void
prepare_query(const ArkaMatchList *l, const ArkaName *nm, Query *q)
{
	q->m = nm->ntokens;
	q->nmajor = 0;
	q->single = -1;
	for (int i = 0; i < nm->ntokens; i++)
	{
		const ArkaNameToken *t = &nm->tok[i];
		QTok	   *qt = &q->t[i];
		const Bucket *b;

		qt->v.cps = nm->cps + t->cp_off;
		qt->v.len = t->len;
		qt->v.num = t->cls == ARKA_TOK_NUMBER;
		qt->v.group = t->group;
		qt->v.counts = qt->counts;
		qt->v.skel_len = make_skel(qt->v.cps, qt->v.len, qt->skel);
		qt->v.skel = qt->skel;
		qt->text = nm->text + t->text_off;
		qt->w = t->weight;
		qt->cls = t->cls;
		qt->in_k = false;
		qt->searched = false;
		qt->hit_lo = qt->hit_hi = 0;
		make_counts(qt->v.cps, qt->v.len, qt->counts);
		qt->nbins = 0;
		for (int k = 0; k < NBINS; k++)
			if (qt->counts[k])
			{
				qt->bins[qt->nbins] = (uint8_t) k;
				qt->bincount[qt->nbins++] = qt->counts[k];
			}
		qt->exact = lookup_token(l, qt->v.cps, qt->v.len);
		if (is_major(t->cls, t->flags))
		{
			q->nmajor++;
			q->single = (t->cls == ARKA_TOK_INITIAL) ? -2 : i;
		}

		/* vocabulary lengths that could reach the floor */
		qt->lmin = 2;
		qt->lmax = 1;
		for (int len = 2; len <= ARKA_NAME_MAX_TOKEN_CPS; len++)
		{
			int			mm = len < qt->v.len ? len : qt->v.len;

			if (l->need[qt->v.len][len][ARKA_JW_PREFIX_MAX] <= mm)
			{
				if (qt->lmax < qt->lmin)
					qt->lmin = len;
				qt->lmax = len;
			}
		}

		/*
		 * Estimated cost of searching this token, in vocabulary entries
		 * scanned (a posting walked costs about a third of one).
		 */
		qt->cost = qt->exact != NONE ? 0.3 * l->vocab[qt->exact].npost : 0;
		if (qt->v.group)
			for (uint32_t v = l->group_head[qt->v.group]; v != NONE; v = l->class_next[v])
				qt->cost += 0.3 * l->vocab[v].npost;
		if (!qt->v.num && (b = find_bucket(l, qt->v.cps[0])) != NULL)
		{
			if (qt->v.len == 1)
				qt->cost += 1e6 + (b->end - b->start) * 8.0;
			else
			{
				uint32_t	lo = bucket_lower(l, b->start, b->end, qt->lmin);
				uint32_t	hi = bucket_lower(l, b->start, b->end, qt->lmax + 1);

				qt->cost += hi - lo;
			}
		}
	}
	if (q->nmajor != 1 || q->single < 0)
		q->single = -1;
}

/* ---------------------------------------------------------------------
 * Scoring
 * ---------------------------------------------------------------------
 */

/*
 * Maximum-weight assignment (Hungarian method, O(n^2 m)) on an n x m
 * matrix of weights with n <= m; assign[i] receives the column of row i.
 * Only used when some token has several possible partners.
 */
static void
hungarian_max(int n, int m, double *w, int *assign)
{
	double		u[MAXT + 1],
				v[MAXT + 1],
				minv[MAXT + 1];
	int			p[MAXT + 1],
				way[MAXT + 1];
	bool		used[MAXT + 1];

	for (int j = 0; j <= m; j++)
	{
		v[j] = 0.0;
		p[j] = 0;
		way[j] = 0;
	}
	for (int i = 0; i <= n; i++)
		u[i] = 0.0;
	for (int i = 1; i <= n; i++)
	{
		int			j0 = 0;

		p[0] = i;
		for (int j = 0; j <= m; j++)
		{
			minv[j] = INFINITY;
			used[j] = false;
		}
		do
		{
			int			i0 = p[j0],
						j1 = 0;
			double		delta = INFINITY;

			used[j0] = true;
			for (int j = 1; j <= m; j++)
			{
				if (!used[j])
				{
					double		cur = -w[(i0 - 1) * m + (j - 1)] - u[i0] - v[j];

					if (cur < minv[j])
					{
						minv[j] = cur;
						way[j] = j0;
					}
					if (minv[j] < delta)
					{
						delta = minv[j];
						j1 = j;
					}
				}
			}
			for (int j = 0; j <= m; j++)
			{
				if (used[j])
				{
					u[p[j]] += delta;
					v[j] -= delta;
				}
				else
					minv[j] -= delta;
			}
			j0 = j1;
		} while (p[j0] != 0);
		do
		{
			int			j1 = way[j0];

			p[j0] = p[j1];
			j0 = j1;
		} while (j0);
	}
	for (int j = 1; j <= m; j++)
		if (p[j] != 0)
			assign[p[j] - 1] = j - 1;
}

/*
 * Score one name against the query from the similarity matrix sim
 * (m x n, row-major).  The alignment pairs each query token with at most
 * one candidate token and maximises sum sim * (wq + wc); the score is
 *
 *	 A / (A + D + 2 * conflict + cq * extra_q + cc * extra_c)
 *
 * (+ ARKA_MATCH_COST_LEGAL per unit of unmatched legal-form weight, on
 * either side, + ARKA_MATCH_COST_SURNAME per unit of a person's surname
 * when none of it is matched), with A the agreeing and D the disagreeing
 * weight of the
 * pairs, conflict the unmatched weight present on both sides, extra the
 * rest (docs/matching.md).
 * Then the single-word rule and the weak-alias discount.  det may be NULL.
 */
static double
score_name(const ArkaMatchList *l, const Query *q, const MName *nm,
		   const double *sim, ScoreDetail *det)
{
	const MNameTok *ct = l->ntoks + nm->tok_first;
	int			m = q->m,
				n = nm->ntok;
	int			nzr[MAXT],
				nzc[MAXT];
	int			pq[MAXT],
				pc[MAXT],
				np = 0;
	bool		qused[MAXT],
				cused[MAXT];
	bool		contention = false;
	int			nz = 0;
	double		A = 0,
				D = 0,
				Uq = 0,
				Uc = 0,
				Lq = 0,
				Lc = 0,
				surname_pen = 0.0,
				conflict,
				eq,
				ec,
				pen,
				den,
				base,
				score;
	unsigned	rules = 0;

	for (int i = 0; i < m; i++)
	{
		nzr[i] = 0;
		qused[i] = false;
	}
	for (int j = 0; j < n; j++)
	{
		nzc[j] = 0;
		cused[j] = false;
	}
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++)
			if (sim[i * n + j] > 0.0)
			{
				nzr[i]++;
				nzc[j]++;
				nz++;
			}
	if (nz == 0 && !det)
		return 0.0;
	for (int i = 0; i < m; i++)
		if (nzr[i] > 1)
			contention = true;
	for (int j = 0; j < n; j++)
		if (nzc[j] > 1)
			contention = true;

	if (!contention)
	{
		for (int i = 0; i < m; i++)
			for (int j = 0; j < n; j++)
				if (sim[i * n + j] > 0.0)
				{
					pq[np] = i;
					pc[np] = j;
					np++;
				}
	}
	else
	{
		int			rows[MAXT],
					cols[MAXT],
					nr = 0,
					nc = 0,
					assign[MAXT];
		double		w[MAXT * MAXT];
		bool		transpose;

		for (int i = 0; i < m; i++)
			if (nzr[i])
				rows[nr++] = i;
		for (int j = 0; j < n; j++)
			if (nzc[j])
				cols[nc++] = j;
		transpose = nr > nc;
		if (!transpose)
		{
			for (int a = 0; a < nr; a++)
				for (int b = 0; b < nc; b++)
				{
					int			i = rows[a],
								j = cols[b];

					w[a * nc + b] = sim[i * n + j] * (q->t[i].w + ct[j].weight);
				}
			hungarian_max(nr, nc, w, assign);
			for (int a = 0; a < nr; a++)
			{
				int			i = rows[a],
							j = cols[assign[a]];

				if (sim[i * n + j] > 0.0)
				{
					pq[np] = i;
					pc[np] = j;
					np++;
				}
			}
		}
		else
		{
			for (int b = 0; b < nc; b++)
				for (int a = 0; a < nr; a++)
				{
					int			i = rows[a],
								j = cols[b];

					w[b * nr + a] = sim[i * n + j] * (q->t[i].w + ct[j].weight);
				}
			hungarian_max(nc, nr, w, assign);
			for (int b = 0; b < nc; b++)
			{
				int			i = rows[assign[b]],
							j = cols[b];

				if (sim[i * n + j] > 0.0)
				{
					pq[np] = i;
					pc[np] = j;
					np++;
				}
			}
		}
	}

	for (int k = 0; k < np; k++)
	{
		double		s = sim[pq[k] * n + pc[k]];
		double		w = q->t[pq[k]].w + ct[pc[k]].weight;

		A += s * w;
		D += (1.0 - s) * w;
		qused[pq[k]] = true;
		cused[pc[k]] = true;
	}
	for (int i = 0; i < m; i++)
		if (!qused[i])
		{
			if (q->t[i].cls == ARKA_TOK_LEGAL)
				Lq += q->t[i].w;
			else
				Uq += q->t[i].w;
		}
	for (int j = 0; j < n; j++)
		if (!cused[j])
		{
			if (ct[j].cls == ARKA_TOK_LEGAL)
				Lc += ct[j].weight;
			else
				Uc += ct[j].weight;
		}
	conflict = Uq < Uc ? Uq : Uc;
	eq = Uq - conflict;
	ec = Uc - conflict;
	pen = ARKA_MATCH_COST_CONFLICT * conflict + ARKA_MATCH_COST_EXTRA_QUERY * eq +
		ARKA_MATCH_COST_EXTRA_CAND * ec + ARKA_MATCH_COST_LEGAL * (Lq + Lc);

	/*
	 * A person's family name that nothing in the query matched: "John
	 * Edwards" is not John Edward MEADOWS.  The surname tokens cost again.
	 */
	{
		double		sw = 0.0;
		bool		hit = false;

		for (int j = 0; j < n; j++)
			if (ct[j].flags & ARKA_TOKF_SURNAME)
			{
				sw += ct[j].weight;
				if (cused[j])
					hit = true;
			}
		if (sw > 0.0 && !hit)
		{
			surname_pen = ARKA_MATCH_COST_SURNAME * sw;
			pen += surname_pen;
		}
	}
	den = A + D + pen;
	base = den > 0.0 ? A / den : 0.0;
	score = base;

	/*
	 * One-word query against a longer name: "Maduro" may be Nicolas
	 * MADURO MOROS, but "John" is not John SMITH.  Such a query reaches
	 * the surname score only by equalling a surname token of an
	 * individual; otherwise it is capped below any sensible threshold.
	 */
	if (q->nmajor <= 1 && nm->nmajor >= 2 && score > 0.0)
	{
		bool		surname = false;

		if (q->single >= 0 && q->t[q->single].exact != NONE &&
			l->entries[nm->entry].type == ARKA_ENTRY_INDIVIDUAL)
		{
			for (int j = 0; j < n; j++)
				if ((ct[j].flags & ARKA_TOKF_SURNAME) &&
					ct[j].vocab == q->t[q->single].exact)
					surname = true;
		}
		if (surname)
		{
			if (score < ARKA_MATCH_SURNAME_SCORE)
			{
				score = ARKA_MATCH_SURNAME_SCORE;
				rules |= ARKA_MATCH_RULE_SURNAME;
			}
		}
		else if (score > ARKA_MATCH_SINGLE_CAP)
		{
			score = ARKA_MATCH_SINGLE_CAP;
			rules |= ARKA_MATCH_RULE_SINGLE_CAP;
		}
	}
	if (nm->weak && score > 0.0)
	{
		score *= ARKA_MATCH_WEAK_FACTOR;
		rules |= ARKA_MATCH_RULE_WEAK_ALIAS;
	}
	if (score > 1.0)
		score = 1.0;

	if (det)
	{
		det->base = base;
		det->score = score;
		det->rules = rules;
		det->A = A;
		det->D = D;
		det->conflict = conflict;
		det->extra_q = eq;
		det->extra_c = ec;
		det->legal = Lq + Lc;
		det->surname = surname_pen;
		det->penalty = pen;
		det->npairs = np;
		for (int k = 0; k < np; k++)
		{
			det->pq[k] = pq[k];
			det->pc[k] = pc[k];
			det->ps[k] = sim[pq[k] * n + pc[k]];
		}
		memcpy(det->qused, qused, (size_t) m * sizeof(bool));
		memcpy(det->cused, cused, (size_t) n * sizeof(bool));
	}
	return score;
}

/*
 * Similarity of query token i and vocabulary token v through the memo:
 * for tokens searched through the index, a pair the search did not record
 * is 0; others are computed on first use.
 */
static inline double
memo_sim(ArkaMatchScratch *s, const Query *q, uint32_t row, int i, uint32_t v)
{
	double		x = s->memo[row + i];

	if (x < 0.0)
	{
		if (q->t[i].searched)
			x = 0.0;
		else
		{
			TokView		vv = vocab_view(s->list, v);

			x = tok_sim(s->list, &q->t[i].v, &vv, NULL);
		}
		s->memo[row + i] = x;
	}
	return x;
}

/* Fill the m x n similarity matrix of a name; false on out-of-memory. */
static bool
name_matrix(ArkaMatchScratch *s, const Query *q, const MName *nm, double *sim)
{
	const ArkaMatchList *l = s->list;
	int			n = nm->ntok;

	for (int j = 0; j < n; j++)
	{
		uint32_t	v = l->ntoks[nm->tok_first + j].vocab;
		uint32_t	row = memo_row(s, v, q->m);

		if (row == NONE)
			return false;
		for (int i = 0; i < q->m; i++)
			sim[i * n + j] = memo_sim(s, q, row, i, v);
	}
	return true;
}

/*
 * Keep the best score per entry (ties: the earlier name).  An exact
 * identifier hit is final: its evidence is the most specific there is.
 */
static void
entry_offer(ArkaMatchScratch *s, uint32_t entry, double score, uint32_t name)
{
	if (s->entry_stamp[entry] == s->stamp &&
		s->entry_name[entry] >= s->list->nnames)
		return;
	if (s->entry_stamp[entry] != s->stamp)
	{
		s->entry_stamp[entry] = s->stamp;
		s->entry_best[entry] = score;
		s->entry_name[entry] = name;
		s->touched[s->ntouched++] = entry;
	}
	else if (score > s->entry_best[entry] ||
			 (score == s->entry_best[entry] && name < s->entry_name[entry]))
	{
		s->entry_best[entry] = score;
		s->entry_name[entry] = name;
	}
}

/* Score a name and offer it to its entry; false on out-of-memory. */
static bool
score_and_offer(ArkaMatchScratch *s, const Query *q, uint32_t name)
{
	const MName *nm = &s->list->names[name];
	double		sim[MAXT * MAXT];
	double		score;

	if (!name_matrix(s, q, nm, sim))
		return false;
	score = score_name(s->list, q, nm, sim, NULL);
	if (score > 0.0)
		entry_offer(s, nm->entry, score, name);
	return true;
}

/* ---------------------------------------------------------------------
 * Candidate search
 * ---------------------------------------------------------------------
 */

/* Append vocabulary token v to the partners found (grows the array). */
static void
push_hit(ArkaMatchScratch *s, uint32_t v)
{
	if (s->nhits >= s->hits_cap)
	{
		size_t		ncap = s->hits_cap ? s->hits_cap * 2 : 1024;
		uint32_t   *p = realloc(s->hits, ncap * sizeof(uint32_t));

		if (!p)
		{
			s->oom = true;
			return;
		}
		s->hits = p;
		s->hits_cap = ncap;
	}
	s->hits[s->nhits++] = v;
}

/* Record tok_sim(query token i, v) and, if non-zero, v as a partner. */
static void
consider(ArkaMatchScratch *s, const Query *q, int i, uint32_t v)
{
	uint32_t	row = memo_row(s, v, q->m);
	TokView		vv;
	double		x;

	if (row == NONE || s->memo[row + i] >= 0.0)
		return;
	vv = vocab_view(s->list, v);
	x = tok_sim(s->list, &q->t[i].v, &vv, NULL);
	s->memo[row + i] = x;
	if (x > 0.0)
		push_hit(s, v);
}

/* Consider every vocabulary token of a hash-table chain. */
static void
consider_chain(ArkaMatchScratch *s, const Query *q, int i, uint32_t head,
			   const uint32_t *next)
{
	for (uint32_t v = head; v != NONE; v = next[v])
		consider(s, q, i, v);
}

/*
 * Which of the 16 vocabulary tokens from base (below hi) have at least
 * need characters in common with query token t, as a bit mask.  The
 * counts are stored bin-major, so this is one load, min and add per
 * letter bin the query uses, for 16 tokens at once.
 */
static inline uint32_t
survivors16(const ArkaMatchList *l, const QTok *t, uint32_t base, uint32_t hi, int need)
{
	uint32_t	valid = hi - base >= 16 ? 0xFFFFu : ((1u << (hi - base)) - 1);
#ifdef __SSE2__
	__m128i		acc = _mm_setzero_si128();

	for (int k = 0; k < t->nbins; k++)
	{
		__m128i		c = _mm_loadu_si128((const __m128i *)
										(l->vbins + (size_t) t->bins[k] * l->vbins_stride + base));

		acc = _mm_adds_epu8(acc, _mm_min_epu8(c, _mm_set1_epi8((char) t->bincount[k])));
	}
	/* acc >= need, unsigned: max(acc, need) == acc */
	{
		__m128i		nv = _mm_set1_epi8((char) need);

		return valid & (uint32_t) _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(acc, nv), acc));
	}
#else
	uint32_t	bits = 0;

	for (uint32_t j = 0; j < 16 && base + j < hi; j++)
	{
		int			common = 0;

		for (int k = 0; k < t->nbins; k++)
		{
			int			c = l->vbins[(size_t) t->bins[k] * l->vbins_stride + base + j];

			common += c < t->bincount[k] ? c : t->bincount[k];
		}
		if (common >= need)
			bits |= 1u << j;
	}
	return bits & valid;
#endif
}

/* The run of [lo,hi) (one bucket, one length) whose second character is c. */
static void
second_run(const ArkaMatchList *l, uint32_t lo, uint32_t hi, uint32_t c,
		   uint32_t *s_lo, uint32_t *s_hi)
{
	uint32_t	a = lo,
				b = hi;

	while (a < b)
	{
		uint32_t	mid = a + (b - a) / 2;

		if (l->vcps[l->vocab[mid].cp_off + 1] < c)
			a = mid + 1;
		else
			b = mid;
	}
	*s_lo = a;
	b = hi;
	while (a < b)
	{
		uint32_t	mid = a + (b - a) / 2;

		if (l->vcps[l->vocab[mid].cp_off + 1] <= c)
			a = mid + 1;
		else
			b = mid;
	}
	*s_hi = a;
}

/*
 * Scan vocabulary [lo,hi) (one bucket, one length) for partners of query
 * token i: the 16-wide count filter with min_need, then the exact bound
 * for the actual common prefix, then tok_sim.
 */
static void
scan_range(ArkaMatchScratch *s, const Query *q, int i, uint32_t lo, uint32_t hi,
		   int min_need, const uint8_t *need)
{
	const ArkaMatchList *l = s->list;
	const QTok *t = &q->t[i];
	const TokView *tv = &t->v;

	for (uint32_t base = lo; base < hi; base += 16)
	{
		uint32_t	bits = survivors16(l, t, base, hi, min_need);

		while (bits)
		{
			uint32_t	v = base + (uint32_t) __builtin_ctz(bits);
			const uint32_t *vcp = l->vcps + l->vocab[v].cp_off;
			int			top = l->vocab[v].len < tv->len ? l->vocab[v].len : tv->len;
			int			p = 1;

			bits &= bits - 1;
			while (p < ARKA_JW_PREFIX_MAX && p < top && tv->cps[p] == vcp[p])
				p++;
			if (count_common(t->counts, l->vcounts + (size_t) v * NBINS) < need[p])
				continue;
			consider(s, q, i, v);
		}
	}
}

/*
 * All vocabulary tokens with a non-zero similarity to query token i,
 * through the relations tok_sim admits: same first character (bucket
 * scan under an upper bound), first-character edits (tail and token
 * tables), transliteration skeleton (skeleton table).
 */
static void
search_index(ArkaMatchScratch *s, const Query *q, int i)
{
	const ArkaMatchList *l = s->list;
	const QTok *t = &q->t[i];
	const TokView *tv = &t->v;
	const Bucket *b;

	if (t->exact != NONE)
		consider(s, q, i, t->exact);
	if (tv->group)
		consider_chain(s, q, i, l->group_head[tv->group], l->class_next);
	if (tv->num)
		return;
	b = find_bucket(l, tv->cps[0]);
	if (tv->len == 1)
	{
		if (b)
			for (uint32_t v = b->start; v < b->end; v++)
				consider(s, q, i, v);
		return;
	}
	if (b)
	{
		uint32_t	v;
		uint32_t	lo = bucket_lower(l, b->start, b->end, t->lmin);

		for (v = b->start; v < b->end && l->vocab[v].len == 1; v++)
			consider(s, q, i, v);	/* the initial */
		/* by length: the bucket is sorted by it */
		for (int len = t->lmin; len <= t->lmax && lo < b->end; len++)
		{
			uint32_t	hi = bucket_lower(l, lo, b->end, len + 1);
			const uint8_t *need = l->need[tv->len][len];
			uint32_t	s_lo,
						s_hi;

			/*
			 * Within one length the tokens are sorted by text, so those
			 * sharing the second character too (prefix >= 2) are a
			 * contiguous run; all others have a prefix of exactly 1 and
			 * must pass the stricter need[1].
			 */
			second_run(l, lo, hi, tv->cps[1], &s_lo, &s_hi);
			scan_range(s, q, i, lo, s_lo, need[1], need);
			scan_range(s, q, i, s_lo, s_hi, need[ARKA_JW_PREFIX_MAX], need);
			scan_range(s, q, i, s_hi, hi, need[1], need);
			lo = hi;
		}
	}
	/* first-character edits */
	{
		uint32_t	h,
					slot;
		uint32_t	sw[ARKA_NAME_MAX_TOKEN_CPS];

		h = hash_cps(tv->cps + 1, tv->len - 1);
		slot = tail_slot(l, tv->cps + 1, tv->len - 1, h);
		consider_chain(s, q, i, l->tail_ht.id[slot], l->tail_next);
		{
			uint32_t	v = lookup_token(l, tv->cps + 1, tv->len - 1);

			if (v != NONE)
				consider(s, q, i, v);
		}
		h = hash_cps(tv->cps, tv->len);
		slot = tail_slot(l, tv->cps, tv->len, h);
		consider_chain(s, q, i, l->tail_ht.id[slot], l->tail_next);
		memcpy(sw, tv->cps, (size_t) tv->len * sizeof(uint32_t));
		sw[0] = tv->cps[1];
		sw[1] = tv->cps[0];
		{
			uint32_t	v = lookup_token(l, sw, tv->len);

			if (v != NONE)
				consider(s, q, i, v);
		}
	}
	if (tv->skel_len >= SKEL_MIN)
	{
		uint32_t	h = hash_bytes(tv->skel, tv->skel_len);
		uint32_t	slot = skel_slot(l, tv->skel, tv->skel_len, h);

		consider_chain(s, q, i, l->skel_ht.id[slot], l->skel_next);
	}
}

/*
 * Choose the query tokens to search (K): the cheapest ones, until the
 * rest cannot reach T on their own (f(Q \ K) < T, see the file header).
 * A one-word query always searches its word (the surname rule can lift
 * it above the bound).
 */
static void
choose_k(Query *q, double T)
{
	int			order[MAXT];
	double		sum_mu = 0.0,
				sum_kw = 0.0;

	for (int i = 0; i < q->m; i++)
	{
		order[i] = i;
		sum_mu += q->t[i].w + 1.0;
	}
	/* insertion sort by cost: m is small */
	for (int a = 1; a < q->m; a++)
	{
		int			x = order[a],
					b = a;

		while (b > 0 && q->t[order[b - 1]].cost > q->t[x].cost)
		{
			order[b] = order[b - 1];
			b--;
		}
		order[b] = x;
	}
	if (q->single >= 0)
	{
		q->t[q->single].in_k = true;
		sum_mu -= q->t[q->single].w + 1.0;
		sum_kw += q->t[q->single].w * unmatched_cost(q->t[q->single].cls);
	}
	for (int a = 0; a < q->m; a++)
	{
		int			i = order[a];
		double		f;

		if (q->t[i].in_k)
			continue;
		f = sum_mu <= 0.0 ? 0.0 : sum_mu / (sum_mu + sum_kw);
		if (f < T - BOUND_EPS)
			break;
		q->t[i].in_k = true;
		sum_mu -= q->t[i].w + 1.0;
		sum_kw += q->t[i].w * unmatched_cost(q->t[i].cls);
	}
}

/* Record a known similarity, as consider would have computed it. */
static void
record(ArkaMatchScratch *s, const Query *q, int i, uint32_t v, double x)
{
	uint32_t	row = memo_row(s, v, q->m);

	if (row == NONE || s->memo[row + i] >= 0.0)
		return;
	s->memo[row + i] = x;
	push_hit(s, v);
}

/*
 * Partners of query token i, through the scratch's partner cache when
 * the token is itself in the vocabulary: its partners depend on its text
 * only, and names recur (the same given names and surnames are screened
 * again and again), so the second search of a token is a copy.  The
 * cache holds exactly what search_index found; it is bounded by
 * ARKA_MATCH_CACHE_PAIRS and simply stops growing when full.
 */
static void
search_token(ArkaMatchScratch *s, const Query *q, int i, bool use_cache)
{
	uint32_t	v = q->t[i].exact;
	size_t		lo = s->nhits;
	uint32_t	n;

	if (!use_cache || v == NONE || !s->pc_off)
	{
		search_index(s, q, i);
		return;
	}
	if (s->pc_off[v] != NONE)
	{
		for (uint32_t k = 0; k < s->pc_cnt[v]; k++)
			record(s, q, i, s->pc_ids[s->pc_off[v] + k], s->pc_sims[s->pc_off[v] + k]);
		return;
	}
	search_index(s, q, i);
	n = (uint32_t) (s->nhits - lo);
	if (s->oom || s->pc_len + n > ARKA_MATCH_CACHE_PAIRS)
		return;
	if (s->pc_len + n > s->pc_cap)
	{
		size_t		ncap = s->pc_cap ? s->pc_cap * 2 : 4096;
		uint32_t   *ids;
		double	   *sims;

		while (ncap < s->pc_len + n)
			ncap *= 2;
		if (ncap > ARKA_MATCH_CACHE_PAIRS)
			ncap = ARKA_MATCH_CACHE_PAIRS;
		ids = realloc(s->pc_ids, ncap * sizeof(uint32_t));
		if (!ids)
			return;
		s->pc_ids = ids;
		sims = realloc(s->pc_sims, ncap * sizeof(double));
		if (!sims)
			return;
		s->pc_sims = sims;
		s->pc_cap = ncap;
	}
	for (uint32_t k = 0; k < n; k++)
	{
		uint32_t	u = s->hits[lo + k];

		s->pc_ids[s->pc_len + k] = u;
		s->pc_sims[s->pc_len + k] = s->memo[s->vrow_off[u] + i];
	}
	s->pc_off[v] = (uint32_t) s->pc_len;
	s->pc_cnt[v] = n;
	s->pc_len += n;
}

/* Walk the postings of token i's partners: create candidates, or mark. */
static bool
walk_postings(ArkaMatchScratch *s, const QTok *t, int i, bool create)
{
	const ArkaMatchList *l = s->list;
	uint64_t	bit = (uint64_t) 1 << i;

	for (uint32_t h = t->hit_lo; h < t->hit_hi; h++)
	{
		const MVocab *vb = &l->vocab[s->hits[h]];
		const uint32_t *post = l->postings + vb->post_off;

		for (uint32_t k = 0; k < vb->npost; k++)
		{
			uint32_t	name = post[k];

			if (s->name_stamp[name] != s->stamp)
			{
				if (!create)
					continue;
				s->name_stamp[name] = s->stamp;
				s->name_mask[name] = 0;
				if (!cand_push(s, name))
					return false;
			}
			s->name_mask[name] |= bit;
		}
	}
	return true;
}

/*
 * The indexed screen.  Search the partners of the K tokens and make the
 * names holding one candidates; then, while a search is cheaper than the
 * scoring it could save, search more query tokens and mark which
 * candidates hold their partners; score only the candidates whose bound
 * reaches T: f(tokens with partners, plus tokens not searched), with the
 * name's own tokens that no query token can pair with counted as extra
 * (each pair covers at most one candidate token, of weight at most 1).
 * Exact: a pruned name's true score is at most that bound (see the file
 * header).
 */
static bool
indexed_candidates(ArkaMatchScratch *s, const Query *qc, double T, bool use_cache)
{
	const ArkaMatchList *l = s->list;
	Query	   *q = (Query *) qc;
	uint64_t	unsearched = 0;
	double		mu[MAXT],
				cw[MAXT];
	int			order[MAXT],
				no = 0;

	choose_k(q, T);
	for (int i = 0; i < q->m; i++)
	{
		QTok	   *t = &q->t[i];

		if (!t->in_k)
			continue;
		t->searched = true;
		t->hit_lo = (uint32_t) s->nhits;
		search_token(s, q, i, use_cache);
		t->hit_hi = (uint32_t) s->nhits;
		if (s->oom || !walk_postings(s, t, i, true))
			return false;
	}

	/* other tokens, cheapest first, while searching pays */
	for (int i = 0; i < q->m; i++)
	{
		const QTok *t = &q->t[i];

		if (!t->in_k && t->v.len >= 2 && t->w >= 0.5)
		{
			int			b = no++;

			while (b > 0 && q->t[order[b - 1]].cost > t->cost)
			{
				order[b] = order[b - 1];
				b--;
			}
			order[b] = i;
		}
	}
	for (int k = 0; k < no; k++)
	{
		QTok	   *t = &q->t[order[k]];

		if (t->cost > (double) s->ncand * SCORE_EFFORT)
			break;
		t->searched = true;
		t->hit_lo = (uint32_t) s->nhits;
		search_token(s, q, order[k], use_cache);
		t->hit_hi = (uint32_t) s->nhits;
		if (s->oom || !walk_postings(s, t, order[k], false))
			return false;
	}

	for (int i = 0; i < q->m; i++)
	{
		mu[i] = q->t[i].w + 1.0;
		cw[i] = q->t[i].w * unmatched_cost(q->t[i].cls);
		if (!q->t[i].searched)
			unsearched |= (uint64_t) 1 << i;
	}
	/* bound terms per mask, tabulated for short queries */
	if (q->m <= PRUNE_TABLE_BITS)
		for (uint32_t S = 0; S < (1u << q->m); S++)
		{
			double		in = 0.0,
						out = 0.0;
			int			nin = 0;

			for (int i = 0; i < q->m; i++)
			{
				if (S & (1u << i))
				{
					in += mu[i];
					nin++;
				}
				else
					out += cw[i];
			}
			s->ptab_in[S] = in;
			s->ptab_out[S] = out;
			s->ptab_n[S] = (uint8_t) nin;
		}
	for (size_t k = 0; k < s->ncand; k++)
	{
		uint32_t	name = s->cand[k];
		uint64_t	mask = s->name_mask[name];
		uint64_t	S = mask | unsearched;
		double		in = 0.0,
					out = 0.0;
		int			nin = 0;

		if (!(q->single >= 0 && (mask & ((uint64_t) 1 << q->single))))
		{
			if (q->m <= PRUNE_TABLE_BITS)
			{
				in = s->ptab_in[S];
				out = s->ptab_out[S];
				nin = s->ptab_n[S];
			}
			else
				for (int i = 0; i < q->m; i++)
				{
					if (S & ((uint64_t) 1 << i))
					{
						in += mu[i];
						nin++;
					}
					else
						out += cw[i];
				}
			/* the name's own tokens left over cost at least c_c each */
			if (l->names[name].wplain > nin)
				out += ARKA_MATCH_COST_EXTRA_CAND * (l->names[name].wplain - nin);
			if (in / (in + out) < T - BOUND_EPS)
				continue;
		}
		s->nscored++;
		if (!score_and_offer(s, q, name))
			return false;
	}
	return !s->oom;
}

/* ---------------------------------------------------------------------
 * Results
 * ---------------------------------------------------------------------
 */
void
arka_match_results_init(ArkaMatchResults *r)
{
	memset(r, 0, sizeof(*r));
}

/* Free what screens put in the results (the struct itself is the caller's). */
void
arka_match_results_free(ArkaMatchResults *r)
{
	if (!r)
		return;
	free(r->items);
	free(r->pairs);
	free(r->unm);
	free(r->text);
	memset(r, 0, sizeof(*r));
}

/* Append text to the results' own buffer; returns its offset or -1. */
static long
res_text(ArkaMatchResults *r, const char *s, size_t len)
{
	long		off;

	if (r->text_len + len + 1 > r->text_cap)
	{
		size_t		ncap = r->text_cap ? r->text_cap * 2 : 1024;
		char	   *p;

		while (ncap < r->text_len + len + 1)
			ncap *= 2;
		if ((p = realloc(r->text, ncap)) == NULL)
			return -1;
		r->text = p;
		r->text_cap = ncap;
	}
	memcpy(r->text + r->text_len, s, len);
	r->text[r->text_len + len] = '\0';
	off = (long) r->text_len;
	r->text_len += len + 1;
	return off;
}

/* Empty the results, keeping their buffers for the next screen. */
static void
results_reset(ArkaMatchResults *r)
{
	r->count = 0;
	r->npairs = 0;
	r->nunm = 0;
	r->text_len = 0;
	r->query_norm = NULL;
	r->candidates = 0;
}

typedef struct Hit
{
	uint32_t	entry;
	double		score;
} Hit;

/* Results order: best score first, then entry index. */
static int
hit_cmp(const void *x, const void *y)
{
	const Hit  *a = x,
			   *b = y;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return a->entry < b->entry ? -1 : (a->entry > b->entry ? 1 : 0);
}

/*
 * Fill one result, with evidence from a fresh scoring of its best name.
 * Text pointers are stored as offsets (cast through uintptr_t) while the
 * buffers may still move, and fixed up by results_fixup.
 */
static bool
fill_result(ArkaMatchScratch *s, const Query *q, ArkaMatchResults *r,
			ArkaMatchResult *res, uint32_t entry, double score, unsigned flags,
			const long *qtext_off)
{
	const ArkaMatchList *l = s->list;
	uint32_t	name = s->entry_name[entry];

	memset(res, 0, sizeof(*res));
	res->entry = entry;
	res->score = score;
	res->base_score = score;
	res->pairs = (const ArkaMatchPair *) (uintptr_t) r->npairs;
	res->unmatched = (const ArkaMatchUnmatched *) (uintptr_t) r->nunm;
	if (name >= l->nnames)
	{
		/* identifier hit: name field holds NONE - attribute index */
		const MAttr *at = &l->attrs[NONE - name];

		res->name_index = 0;
		res->matched_name = l->pool + l->names[l->entries[entry].name_first].raw_off;
		res->matched_norm = l->pool + l->names[l->entries[entry].name_first].norm_off;
		res->rules = ARKA_MATCH_RULE_IDENTIFIER;
		res->id_type = l->pool + at->a_off;
		res->id_value = l->pool + at->b_off;
		return true;
	}
	{
		const MName *nm = &l->names[name];
		double		sim[MAXT * MAXT];
		ScoreDetail det;

		res->name_index = nm->alias_no;
		res->matched_name = l->pool + nm->raw_off;
		res->matched_norm = l->pool + nm->norm_off;
		res->weak = nm->weak != 0;
		if (flags & ARKA_MATCH_NO_EVIDENCE)
			return true;
		if (!name_matrix(s, q, nm, sim))
			return false;
		score_name(l, q, nm, sim, &det);
		res->base_score = det.base;
		res->rules = det.rules;
		res->agreement = det.A;
		res->disagreement = det.D;
		res->conflict_weight = det.conflict;
		res->extra_query_weight = det.extra_q;
		res->extra_cand_weight = det.extra_c;
		res->legal_weight = det.legal;
		res->surname_penalty = det.surname;
		res->penalty = det.penalty;
		for (int k = 0; k < det.npairs; k++)
		{
			ArkaMatchPair *p;
			const MNameTok *ct = &l->ntoks[nm->tok_first + det.pc[k]];
			TokView		vv = vocab_view(l, ct->vocab);
			ArkaMatchSimKind kind = ARKA_SIM_JARO_WINKLER;

			if (r->npairs >= r->pairs_cap)
			{
				int			ncap = r->pairs_cap ? r->pairs_cap * 2 : 64;
				ArkaMatchPair *np = realloc(r->pairs, (size_t) ncap * sizeof(ArkaMatchPair));

				if (!np)
					return false;
				r->pairs = np;
				r->pairs_cap = ncap;
			}
			tok_sim(l, &q->t[det.pq[k]].v, &vv, &kind);
			p = &r->pairs[r->npairs++];
			p->query_token = (const char *) (uintptr_t) qtext_off[det.pq[k]];
			p->cand_token = l->vtext + l->vocab[ct->vocab].text_off;
			p->similarity = det.ps[k];
			p->query_weight = q->t[det.pq[k]].w;
			p->cand_weight = ct->weight;
			p->kind = kind;
			res->npairs++;
		}
		for (int side = 0; side < 2; side++)
		{
			int			cnt = side == 0 ? q->m : nm->ntok;

			for (int k = 0; k < cnt; k++)
			{
				ArkaMatchUnmatched *u;

				if (side == 0 ? det.qused[k] : det.cused[k])
					continue;
				if (r->nunm >= r->unm_cap)
				{
					int			ncap = r->unm_cap ? r->unm_cap * 2 : 64;
					ArkaMatchUnmatched *nu = realloc(r->unm, (size_t) ncap * sizeof(ArkaMatchUnmatched));

					if (!nu)
						return false;
					r->unm = nu;
					r->unm_cap = ncap;
				}
				u = &r->unm[r->nunm++];
				u->query_side = side == 0;
				if (side == 0)
				{
					u->token = (const char *) (uintptr_t) qtext_off[k];
					u->weight = q->t[k].w;
				}
				else
				{
					const MNameTok *ct = &l->ntoks[nm->tok_first + k];

					u->token = l->vtext + l->vocab[ct->vocab].text_off;
					u->weight = ct->weight;
				}
				res->nunmatched++;
			}
		}
	}
	return true;
}

/* Turn stored offsets into pointers once no buffer can move any more. */
static void
results_fixup(ArkaMatchResults *r, long qnorm_off)
{
	for (int k = 0; k < r->count; k++)
	{
		ArkaMatchResult *res = &r->items[k];
		size_t		po = (size_t) (uintptr_t) res->pairs;
		size_t		uo = (size_t) (uintptr_t) res->unmatched;

		res->pairs = res->npairs ? r->pairs + po : NULL;
		res->unmatched = res->nunmatched ? r->unm + uo : NULL;
	}
	for (int k = 0; k < r->npairs; k++)
		r->pairs[k].query_token = r->text + (uintptr_t) r->pairs[k].query_token;
	for (int k = 0; k < r->nunm; k++)
		if (r->unm[k].query_side)
			r->unm[k].token = r->text + (uintptr_t) r->unm[k].token;
	r->query_norm = qnorm_off >= 0 ? r->text + qnorm_off : "";
}

/* Look an identifier key up and offer every entry holding it. */
static void
offer_ident_key(ArkaMatchScratch *s, const char *key, size_t klen,
				const char *type, size_t type_len)
{
	const ArkaMatchList *l = s->list;
	uint32_t	slot;

	if (klen == 0 || l->nidents == 0)
		return;
	slot = ident_slot(l, key, klen, hash_bytes(key, klen));
	for (uint32_t id = l->id_ht.id[slot]; id != NONE; id = l->idents[id].next)
	{
		const MAttr *at = &l->attrs[l->idents[id].attr];

		if (type && type_len)
		{
			const char *t = l->pool + at->a_off;
			size_t		k;

			for (k = 0; k < type_len && t[k] &&
				 (t[k] | 0x20) == (type[k] | 0x20); k++)
				;
			if (k < type_len)
				continue;		/* type is not a prefix of the stored one */
		}
		if (s->entry_stamp[at->entry] == s->stamp &&
			s->entry_name[at->entry] >= l->nnames)
			continue;			/* already an identifier hit */
		entry_offer(s, at->entry, 1.0, 0);
		s->entry_best[at->entry] = 1.0;
		s->entry_name[at->entry] = NONE - l->idents[id].attr;
	}
}

/* Both case treatments: the query does not say whether it is an address. */
static void
offer_ident(ArkaMatchScratch *s, const char *value, size_t len,
			const char *type, size_t type_len)
{
	char		key[ARKA_NAME_MAX_BYTES];
	size_t		klen;

	if (len > sizeof(key))
		return;
	klen = ident_norm(value, len, false, key, sizeof(key));
	offer_ident_key(s, key, klen, type, type_len);
	klen = ident_norm(value, len, true, key, sizeof(key));
	offer_ident_key(s, key, klen, type, type_len);
}

/* Collect, sort, cut and fill the results of a screen. */
static ArkaMatchStatus
finish_results(ArkaMatchScratch *s, const Query *q, double T, int max_results,
			   unsigned flags, ArkaMatchResults *out, const char *qnorm,
			   size_t qnorm_len)
{
	Hit		   *hits;
	int			nh = 0;
	long		qtext_off[MAXT];
	long		qnorm_off;

	hits = malloc(((size_t) s->ntouched + 1) * sizeof(Hit));
	if (!hits)
		return ARKA_MATCH_ENOMEM;
	for (uint32_t k = 0; k < s->ntouched; k++)
	{
		uint32_t	e = s->touched[k];

		if (s->entry_best[e] >= T && s->entry_best[e] > 0.0)
		{
			hits[nh].entry = e;
			hits[nh].score = s->entry_best[e];
			nh++;
		}
	}
	qsort(hits, (size_t) nh, sizeof(Hit), hit_cmp);
	if (nh > max_results)
		nh = max_results;

	qnorm_off = res_text(out, qnorm, qnorm_len);
	if (qnorm_off < 0)
		goto oom;
	for (int i = 0; i < q->m; i++)
		if ((qtext_off[i] = res_text(out, q->t[i].text, strlen(q->t[i].text))) < 0)
			goto oom;
	if (nh > out->cap)
	{
		ArkaMatchResult *p = realloc(out->items, (size_t) nh * sizeof(ArkaMatchResult));

		if (!p)
			goto oom;
		out->items = p;
		out->cap = nh;
	}
	for (int k = 0; k < nh; k++)
	{
		if (!fill_result(s, q, out, &out->items[k], hits[k].entry, hits[k].score,
						 flags, qtext_off))
			goto oom;
		out->count++;
	}
	results_fixup(out, qnorm_off);
	free(hits);
	return s->oom ? ARKA_MATCH_ENOMEM : ARKA_MATCH_OK;

oom:
	results_fixup(out, -1);
	free(hits);
	return ARKA_MATCH_ENOMEM;
}

/* Does the text carry a digit?  Identifier-looking tokens do. */
static bool
has_digit(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] >= '0' && s[i] <= '9')
			return true;
	return false;
}

/* Screen with the list's own scratch (one backend at a time). */
ArkaMatchStatus
arka_match_screen(ArkaMatchList *l, const char *name, size_t len,
				  double min_score, int max_results, unsigned flags,
				  ArkaMatchResults *out)
{
	if (!l || !l->finalised)
		return ARKA_MATCH_ESTATE;
	return arka_match_screen_with(l, l->scratch, name, len, min_score,
								  max_results, flags, out);
}

/*
 * Screen a name: normalise, look it up as an identifier, pick the index
 * tokens, collect candidates, score them, keep each entry's best name,
 * and return the entries at or above min_score with their evidence.
 */
ArkaMatchStatus
arka_match_screen_with(const ArkaMatchList *l, ArkaMatchScratch *s,
					   const char *name, size_t len, double min_score,
					   int max_results, unsigned flags, ArkaMatchResults *out)
{
	ArkaNameStatus nst;
	Query	   *q;
	double		T;

	if (!l || !s || !out || (!name && len))
		return ARKA_MATCH_EINVAL;
	if (!l->finalised || s->list != l)
		return ARKA_MATCH_ESTATE;
	results_reset(out);
	if (max_results <= 0)
		return ARKA_MATCH_OK;
	if (max_results > ARKA_MATCH_MAX_RESULTS)
		max_results = ARKA_MATCH_MAX_RESULTS;
	T = (min_score < 0.0 || isnan(min_score)) ? l->threshold : min_score;

	nst = arka_name_normalise(name ? name : "", len, ARKA_NAME_QUERY, &s->qname);
	if (nst == ARKA_NAME_TOO_LONG)
		return ARKA_MATCH_ETOOLONG;
	if (nst == ARKA_NAME_TOO_MANY_TOKENS)
		return ARKA_MATCH_ETOOMANY;
	scratch_begin(s);
	q = &s->q;
	if (nst != ARKA_NAME_OK)
	{
		q->m = 0;
		return finish_results(s, q, T, max_results, flags, out, "", 0);
	}
	prepare_query(l, &s->qname, q);

	if (!(flags & ARKA_MATCH_NO_IDS) && l->nidents > 0)
	{
		if (has_digit(name, len))
			offer_ident(s, name, len, NULL, 0);
		for (int i = 0; i < q->m; i++)
		{
			const char *t = q->t[i].text;
			size_t		tl = strlen(t);

			if (tl >= 6 && has_digit(t, tl))
				offer_ident(s, t, tl, NULL, 0);
		}
	}

	if (flags & ARKA_MATCH_EXHAUSTIVE)
	{
		/* every token pair, every name: the reference for the index */
		for (uint32_t v = 0; v < l->nvocab; v++)
		{
			uint32_t	row = memo_row(s, v, q->m);
			TokView		vv = vocab_view(l, v);

			if (row == NONE)
				return ARKA_MATCH_ENOMEM;
			for (int i = 0; i < q->m; i++)
				s->memo[row + i] = tok_sim(l, &q->t[i].v, &vv, NULL);
		}
		for (uint32_t n = 0; n < l->nnames; n++)
			if (!score_and_offer(s, q, n))
				return ARKA_MATCH_ENOMEM;
		out->candidates = (int) l->nnames;
	}
	else
	{
		if (!indexed_candidates(s, q, T, !(flags & ARKA_MATCH_NO_CACHE)))
			return ARKA_MATCH_ENOMEM;
		out->candidates = (int) s->nscored;
	}
	return finish_results(s, q, T, max_results, flags, out,
						  s->qname.display, s->qname.display_len);
}

/*
 * Screen an identifier value.  Exact after normalisation (separators
 * removed; case folded except for digital-currency addresses), so the
 * only possible score is 1.0.
 */
ArkaMatchStatus
arka_match_screen_id(const ArkaMatchList *l, const char *value, size_t len,
					 const char *type, size_t type_len, int max_results,
					 ArkaMatchResults *out)
{
	ArkaMatchScratch *s;

	if (!l || !out || (!value && len) || (!type && type_len))
		return ARKA_MATCH_EINVAL;
	if (!l->finalised)
		return ARKA_MATCH_ESTATE;
	s = l->scratch;
	results_reset(out);
	if (max_results <= 0)
		return ARKA_MATCH_OK;
	if (max_results > ARKA_MATCH_MAX_RESULTS)
		max_results = ARKA_MATCH_MAX_RESULTS;
	if (len > ARKA_NAME_MAX_BYTES)
		return ARKA_MATCH_ETOOLONG;
	scratch_begin(s);
	s->q.m = 0;
	if (len)
		offer_ident(s, value, len, type, type_len);
	return finish_results(s, &s->q, 1.0, max_results, ARKA_MATCH_NO_EVIDENCE,
						  out, "", 0);
}

/* ---------------------------------------------------------------------
 * Evidence as JSON
 * ---------------------------------------------------------------------
 */
static void
json_num(ArkaBuf *b, double x)
{
	char		buf[32];
	int			n = snprintf(buf, sizeof(buf), "%.4f", x);

	/* trim trailing zeros, keep one digit after the point */
	while (n > 3 && buf[n - 1] == '0' && buf[n - 2] != '.')
		n--;
	arka_buf_append(b, buf, (size_t) n);
}

/* Write "key": after a comma unless first. */
static void
json_key(ArkaBuf *b, const char *key, bool first)
{
	if (!first)
		arka_buf_putc(b, ',');
	arka_json_write_string(b, key, strlen(key));
	arka_buf_putc(b, ':');
}

/* Write a JSON string; NULL as "". */
static void
json_str(ArkaBuf *b, const char *s)
{
	arka_json_write_string(b, s ? s : "", s ? strlen(s) : 0);
}

/* Text form of how two tokens matched, for the evidence. */
static const char *
sim_kind_string(ArkaMatchSimKind k)
{
	switch (k)
	{
		case ARKA_SIM_EXACT:
			return "exact";
		case ARKA_SIM_SKELETON:
			return "transliteration";
		case ARKA_SIM_INITIAL:
			return "initial";
		case ARKA_SIM_SYNONYM:
			return "synonym";
		default:
			return "jaro_winkler";
	}
}

/*
 * One result as a JSON object: the entry, the matched name, the score
 * and how it came about (token pairs, unmatched tokens, penalties, rules).
 */
void
arka_match_result_json(const ArkaMatchList *l, const ArkaMatchResults *rs,
					   const ArkaMatchResult *r, ArkaBuf *b)
{
	int			n;

	arka_buf_putc(b, '{');
	json_key(b, "entry_id", true);
	json_str(b, arka_match_entry_id(l, r->entry));
	json_key(b, "type", false);
	json_str(b, arka_match_entry_type_string(arka_match_entry_type(l, r->entry)));
	json_key(b, "matched_name", false);
	json_str(b, r->matched_name);
	json_key(b, "matched_normalized", false);
	json_str(b, r->matched_norm);
	json_key(b, "name_kind", false);
	json_str(b, r->name_index == 0 ? "primary" : (r->weak ? "weak_alias" : "alias"));
	json_key(b, "query_normalized", false);
	json_str(b, rs && rs->query_norm ? rs->query_norm : "");
	json_key(b, "score", false);
	json_num(b, r->score);
	json_key(b, "base_score", false);
	json_num(b, r->base_score);
	json_key(b, "rules", false);
	arka_buf_putc(b, '[');
	{
		bool		first = true;
		static const struct
		{
			unsigned	bit;
			const char *name;
		}			rule_names[] = {
			{ARKA_MATCH_RULE_IDENTIFIER, "identifier"},
			{ARKA_MATCH_RULE_SURNAME, "single_word_surname"},
			{ARKA_MATCH_RULE_SINGLE_CAP, "single_word_cap"},
			{ARKA_MATCH_RULE_WEAK_ALIAS, "weak_alias"},
		};

		for (size_t k = 0; k < sizeof(rule_names) / sizeof(rule_names[0]); k++)
		{
			if (!(r->rules & rule_names[k].bit))
				continue;
			if (!first)
				arka_buf_putc(b, ',');
			json_str(b, rule_names[k].name);
			first = false;
		}
	}
	arka_buf_putc(b, ']');
	if (r->rules & ARKA_MATCH_RULE_IDENTIFIER)
	{
		json_key(b, "identifier", false);
		arka_buf_putc(b, '{');
		json_key(b, "type", true);
		json_str(b, r->id_type);
		json_key(b, "value", false);
		json_str(b, r->id_value);
		arka_buf_putc(b, '}');
	}
	else
	{
		json_key(b, "pairs", false);
		arka_buf_putc(b, '[');
		for (int k = 0; k < r->npairs; k++)
		{
			const ArkaMatchPair *p = &r->pairs[k];

			if (k)
				arka_buf_putc(b, ',');
			arka_buf_putc(b, '{');
			json_key(b, "query", true);
			json_str(b, p->query_token);
			json_key(b, "candidate", false);
			json_str(b, p->cand_token);
			json_key(b, "similarity", false);
			json_num(b, p->similarity);
			json_key(b, "query_weight", false);
			json_num(b, p->query_weight);
			json_key(b, "candidate_weight", false);
			json_num(b, p->cand_weight);
			json_key(b, "kind", false);
			json_str(b, sim_kind_string(p->kind));
			arka_buf_putc(b, '}');
		}
		arka_buf_putc(b, ']');
		json_key(b, "unmatched", false);
		arka_buf_putc(b, '[');
		for (int k = 0; k < r->nunmatched; k++)
		{
			const ArkaMatchUnmatched *u = &r->unmatched[k];

			if (k)
				arka_buf_putc(b, ',');
			arka_buf_putc(b, '{');
			json_key(b, "token", true);
			json_str(b, u->token);
			json_key(b, "side", false);
			json_str(b, u->query_side ? "query" : "candidate");
			json_key(b, "weight", false);
			json_num(b, u->weight);
			arka_buf_putc(b, '}');
		}
		arka_buf_putc(b, ']');
		json_key(b, "penalties", false);
		arka_buf_putc(b, '{');
		json_key(b, "conflict_weight", true);
		json_num(b, r->conflict_weight);
		json_key(b, "extra_query_weight", false);
		json_num(b, r->extra_query_weight);
		json_key(b, "extra_candidate_weight", false);
		json_num(b, r->extra_cand_weight);
		json_key(b, "legal_form_weight", false);
		json_num(b, r->legal_weight);
		json_key(b, "surname_unmatched", false);
		json_num(b, r->surname_penalty);
		json_key(b, "total", false);
		json_num(b, r->penalty);
		arka_buf_putc(b, '}');
	}
	for (int pass = 0; pass < 2; pass++)
	{
		char		kind = pass == 0 ? 'p' : 'c';

		json_key(b, pass == 0 ? "programs" : "countries", false);
		arka_buf_putc(b, '[');
		n = arka_match_entry_attrs(l, r->entry, kind);
		for (int k = 0; k < n; k++)
		{
			if (k)
				arka_buf_putc(b, ',');
			json_str(b, arka_match_entry_attr(l, r->entry, kind, k, NULL));
		}
		arka_buf_putc(b, ']');
	}
	arka_buf_putc(b, '}');
}
