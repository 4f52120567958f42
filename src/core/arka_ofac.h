/*-------------------------------------------------------------------------
 *
 * arka_ofac.h
 *	  OFAC legacy CSV files (sdn/alt/add/sdn_comments, and the consolidated
 *	  non-SDN cons_prim/cons_alt/cons_add/cons_comments) into watchlist
 *	  entries, written as the JSON array arka_load_watchlist() takes.
 *
 * Format (OFAC's "SDN Data Specification" plus what the real files do):
 * no header row, CRLF line ends, comma separated, double-quoted text with
 * commas inside, "-0- " (trailing space) as null, one 0x1A byte after the
 * last CRLF.  sdn.csv: ent_num, SDN_Name, SDN_Type, Program, Title,
 * Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks;
 * alt.csv: ent_num, alt_num, alt_type, alt_name, alt_remarks; add.csv:
 * ent_num, add_num, address, city/state/postal, country, add_remarks;
 * sdn_comments.csv: ent_num, remarks spillover.
 *
 * Output: one JSON object per sdn row, in file order, with exactly
 *	 {"entry_id","type","name","aliases":[{"name","strength","source"}],
 *	  "programs":[],"countries":[],"addresses":[],
 *	  "identifiers":[{"type","value"}],"remarks"}
 * What goes where, and the Remarks grammar, are in docs/watchlists.md.
 *
 * All or nothing: on any error the output buffer is left as it was, and
 * the error names the file, the line and what is wrong.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_OFAC_H
#define ARKA_OFAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arka_json.h"

/* One input file; data == NULL means "not given" (alt, add, comments). */
typedef struct ArkaOfacFile
{
	const char *name;			/* for messages; NULL = "sdn.csv" etc. */
	const char *data;
	size_t		len;
} ArkaOfacFile;

typedef struct ArkaOfacInput
{
	ArkaOfacFile sdn;			/* required (sdn.csv or cons_prim.csv) */
	ArkaOfacFile alt;
	ArkaOfacFile add;
	ArkaOfacFile comments;		/* sdn_comments.csv spillover */
} ArkaOfacInput;

typedef enum ArkaOfacEncoding
{
	ARKA_OFAC_UTF8 = 0,			/* default: invalid UTF-8 is an error */
	ARKA_OFAC_WIN1252,			/* every byte read as Windows-1252 */
	ARKA_OFAC_AUTO				/* per file: UTF-8 if it all is, else 1252 */
} ArkaOfacEncoding;

typedef struct ArkaOfacOptions
{
	ArkaOfacEncoding encoding;
	bool		allow_missing_eof;	/* accept files without the final 0x1A */
	size_t		max_field;		/* bytes; 0 = ARKA_OFAC_MAX_FIELD */
} ArkaOfacOptions;

#define ARKA_OFAC_MAX_FIELD ((size_t) 1024 * 1024)

typedef struct ArkaOfacStats
{
	size_t		entries;
	size_t		aliases_strong; /* from alt.csv */
	size_t		aliases_weak;	/* from Remarks */
	size_t		identifiers;
	size_t		addresses;
	size_t		countries;		/* summed over entries */
	size_t		programs;		/* summed over entries */
	size_t		rows[4];		/* data rows read: sdn, alt, add, comments */
	bool		header_skipped[4];	/* an "ent_num,..." first line was skipped */
	bool		win1252[4];		/* file was read as Windows-1252 */
	uint8_t		file_sha256[4][32]; /* of each file's bytes as given */
	bool		file_present[4];
	/*
	 * SHA-256 over the four files' digests concatenated in the order sdn,
	 * alt, add, comments (32 zero bytes for a file not given): one value
	 * identifying the release.  Hex, NUL-terminated.
	 */
	char		sha256_hex[65];
} ArkaOfacStats;

typedef struct ArkaOfacError
{
	const char *file;			/* the file's name, or NULL */
	size_t		line;			/* 1-based; 0 when not about one line */
	size_t		offset;			/* byte offset in that file */
	char		message[320];	/* "alt.csv line 12: unknown ent_num 99999" */
} ArkaOfacError;

/*
 * Parse the files and append the JSON array to *out (initialised by the
 * caller).  Returns true with *stats filled (stats may be NULL); false
 * with *err filled, *out unchanged and *stats zeroed.  opts may be NULL.
 */
extern bool arka_ofac_parse(const ArkaOfacInput *in, const ArkaOfacOptions *opts,
							ArkaBuf *out, ArkaOfacStats *stats, ArkaOfacError *err);

/*
 * The Remarks grammar on its own, for tests and for other lists written in
 * OFAC's style: calls fn once per weak alias, identifier and country found
 * in [remarks, remarks+len), in text order, before any de-duplication.
 * type is the identifier's type (NULL for aliases and countries); the
 * pointers are valid during the call only.  truncated: the text was cut at
 * OFAC's 1000-character limit, so its last item is not trusted and skipped.
 */
typedef enum ArkaOfacItem
{
	ARKA_OFAC_ALIAS,			/* a.k.a./f.k.a./n.k.a. 'NAME' -> weak alias */
	ARKA_OFAC_IDENTIFIER,
	ARKA_OFAC_COUNTRY			/* nationality / citizen / ... of Registration */
} ArkaOfacItem;

typedef void (*ArkaOfacItemFn) (void *ctx, ArkaOfacItem kind,
								const char *type, size_t type_len,
								const char *value, size_t value_len);

extern void arka_ofac_scan_remarks(const char *remarks, size_t len, bool truncated,
								   ArkaOfacItemFn fn, void *ctx);

#endif							/* ARKA_OFAC_H */
