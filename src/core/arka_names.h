/*-------------------------------------------------------------------------
 *
 * arka_names.h
 *	  Normalisation and tokenisation of person and organisation names.
 *
 * Both sides of a sanctions comparison, the watchlist names and the name
 * being screened, go through the same pipeline (docs/matching.md):
 *
 *	 1. bytes -> code points: UTF-8, with every invalid byte read as
 *		Windows-1252 (legacy list files and payment messages carry it);
 *	 2. per code point: Cyrillic and Greek transliterated to Latin, then
 *		libutf8proc compatibility decomposition, case folding, removal of
 *		marks (diacritics) and default-ignorables, lumping of look-alike
 *		punctuation; a few letters without decompositions are spelled out
 *		(ø -> o, æ -> ae, ł -> l, ı -> i, ß -> ss ...);
 *	 3. letters and digits form tokens; apostrophes vanish inside a token
 *		(Mu'ammar -> muammar, O'Brien -> obrien); every other character
 *		separates tokens; commas are remembered for "LAST, First";
 *	 4. dotted or spaced single letters that spell a legal form are joined
 *		(S.A. -> sa, L.L.C. -> llc); other single letters stay initials;
 *	 5. each token gets a class and a weight: word, number, initial,
 *		legal form (down-weighted, never deleted), particle (al, bin,
 *		de, van, of, the ..., down-weighted) or honorific (Mr, Dr, Sheikh,
 *		Hajji ..., dropped);
 *	 6. "LAST, First": for individuals (and for queries where the part
 *		after the comma is not just a legal form) the tokens before the
 *		first comma are the surname; the display order becomes
 *		"First ... LAST".
 *
 * Limits keep hostile input cheap: a name longer than ARKA_NAME_MAX_BYTES
 * bytes or with more than ARKA_NAME_MAX_TOKENS tokens is refused, and a
 * token longer than ARKA_NAME_MAX_TOKEN_CPS code points is cut there.
 * No allocation: the caller provides the ArkaName (about 40 KiB).
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_NAMES_H
#define ARKA_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARKA_NAME_MAX_BYTES		4096
#define ARKA_NAME_MAX_TOKENS	48
#define ARKA_NAME_MAX_TOKEN_CPS	64
#define ARKA_NAME_MAX_TEXT		(ARKA_NAME_MAX_TOKENS * (ARKA_NAME_MAX_TOKEN_CPS * 4 + 1))

/* Token weights by class (docs/matching.md explains the values). */
#define ARKA_NAME_W_WORD		1.0
#define ARKA_NAME_W_WORD2		0.7		/* two-character word */
#define ARKA_NAME_W_NUMBER		1.0
#define ARKA_NAME_W_INITIAL		0.4
#define ARKA_NAME_W_LEGAL		0.25
#define ARKA_NAME_W_PARTICLE	0.3

typedef enum ArkaNameStatus
{
	ARKA_NAME_OK = 0,
	ARKA_NAME_EMPTY,			/* no letters or digits at all */
	ARKA_NAME_TOO_LONG,			/* more than ARKA_NAME_MAX_BYTES bytes */
	ARKA_NAME_TOO_MANY_TOKENS	/* more than ARKA_NAME_MAX_TOKENS tokens */
} ArkaNameStatus;

/* How to read commas. */
typedef enum ArkaNameMode
{
	ARKA_NAME_QUERY = 0,		/* unknown kind: "X, Y" is LAST, First unless
								 * Y is only legal forms */
	ARKA_NAME_PERSON,			/* "LAST, First" whenever there is a comma */
	ARKA_NAME_ORG				/* commas are plain punctuation */
} ArkaNameMode;

typedef enum ArkaTokClass
{
	ARKA_TOK_WORD = 0,
	ARKA_TOK_NUMBER,			/* only decimal digits */
	ARKA_TOK_INITIAL,			/* a single letter */
	ARKA_TOK_LEGAL,				/* LLC, LTD, GMBH, JSC, OOO ... */
	ARKA_TOK_PARTICLE,			/* al, bin, de, van, of, the, jr ... */
	ARKA_TOK_HONORIFIC			/* Mr, Dr, Sheikh ... (dropped) */
} ArkaTokClass;

#define ARKA_TOKF_SURNAME	0x01	/* before the comma of "LAST, First" */
#define ARKA_TOKF_AMBIGUOUS	0x02	/* legal form that may be a name part
									 * (SA, SAL, CO, PAO): counts as a word
									 * for the one-word rule */

typedef struct ArkaNameToken
{
	uint16_t	cp_off;			/* first code point in ArkaName.cps */
	uint16_t	len;			/* code points */
	uint16_t	text_off;		/* NUL-terminated UTF-8 in ArkaName.text */
	uint16_t	text_len;		/* bytes */
	uint8_t		cls;			/* ArkaTokClass */
	uint8_t		group;			/* synonym group (ltd = limited), 0 none */
	uint8_t		flags;			/* ARKA_TOKF_* */
	float		weight;			/* scoring weight, 0 < weight <= 1 */
} ArkaNameToken;

typedef struct ArkaName
{
	int			ntokens;		/* kept tokens, in display order */
	int			nsignificant;	/* tokens of class word or number */
	int			ndropped;		/* honorifics removed */
	bool		comma_form;		/* read as "LAST, First" */
	bool		all_minor;		/* only legal forms/particles: weights
								 * were raised to 1 */
	ArkaNameToken tok[ARKA_NAME_MAX_TOKENS];
	uint32_t	cps[ARKA_NAME_MAX_TOKENS * ARKA_NAME_MAX_TOKEN_CPS];
	char		text[ARKA_NAME_MAX_TEXT];	/* tokens, NUL after each */
	char		display[ARKA_NAME_MAX_TEXT];	/* "first last", one space */
	size_t		display_len;
} ArkaName;

/*
 * Normalise and tokenise [s, s+len).  Any byte string is accepted; on
 * ARKA_NAME_OK out holds at least one token.  On any other status out is
 * left with ntokens = 0.
 */
extern ArkaNameStatus arka_name_normalise(const char *s, size_t len,
										  ArkaNameMode mode, ArkaName *out);

/* Class of a normalised token given as ASCII/UTF-8 text (for tests and
 * for the list builder, which classifies each distinct token once). */
extern ArkaTokClass arka_name_classify(const char *tok, size_t len);

/*
 * The same, also returning the token's synonym group: lexicon words with
 * the same non-zero group mean the same thing (ltd/limited, co/company,
 * llc/ooo, al/el, bin/ibn).  *group is 0 for other tokens.
 */
extern ArkaTokClass arka_name_classify_group(const char *tok, size_t len, int *group);

/* Is this legal form also a plausible name part (SA, SAL, CO, PAO)? */
extern bool arka_name_legal_ambiguous(const char *tok, size_t len);

/* Text form of a status, for error messages. */
extern const char *arka_name_status_string(ArkaNameStatus st);

/* Text form of a token class ("word", "legal", ...), for evidence. */
extern const char *arka_name_class_string(ArkaTokClass cls);

#endif							/* ARKA_NAMES_H */
