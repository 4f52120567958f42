#!/usr/bin/env bash
# tools/watchlist_xml.py: the real UN and EU files, then hostile XML.
#
#   test/tools/test_watchlist_xml.sh [watchlists-dir]
#
# The directory defaults to $SHARED/data/watchlists, else
# ../shared/data/watchlists from the repository root.  Ends with one line
# "test_watchlist_xml: N passed, N failed"; exit status 1 on any failure.
set -uo pipefail

cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
CONV=tools/watchlist_xml.py
DIR=${1:-${SHARED:-../shared}/data/watchlists}
T=$(mktemp -d /tmp/test_watchlist_xml.XXXXXX)
trap 'rm -rf "$T"' EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# run_conv NAME ARGS...: converter with a time limit; stdout to $T/NAME.out, stderr to $T/NAME.err
run_conv() {
	local name=$1
	shift
	timeout 60 "$PY" "$CONV" "$@" >"$T/$name.out" 2>"$T/$name.err"
}

# refused NAME EXPECTED-MESSAGE ARGS...: exit 1, no stdout, the message on stderr
refused() {
	local name=$1 want=$2
	shift 2
	run_conv "$name" "$@"
	local rc=$?
	if [ "$rc" -ne 1 ]; then
		bad "$name: exit status $rc, want 1 ($(head -c 300 "$T/$name.err"))"
	elif [ -s "$T/$name.out" ]; then
		bad "$name: wrote output although it failed"
	elif ! grep -qF -- "$want" "$T/$name.err"; then
		bad "$name: message \"$(head -c 300 "$T/$name.err")\" lacks \"$want\""
	else
		ok
	fi
}

# check NAME PYTHON-CODE: run assertions with `d` = the JSON of $T/NAME.out
check() {
	local name=$1 code=$2
	if "$PY" - "$T/$name.out" <<EOF 2>"$T/$name.check"; then ok; else bad "$name: $(tail -3 "$T/$name.check")"; fi
import json, sys, collections
d = json.load(open(sys.argv[1], encoding="utf-8"))
by = {e["entry_id"]: e for e in d}
def aliases(e, strength=None):
    return [a["name"] for a in e["aliases"] if strength is None or a["strength"] == strength]
KEYS = ["entry_id", "type", "name", "aliases", "programs", "countries", "addresses", "identifiers", "remarks"]
assert all(list(e.keys()) == KEYS for e in d), "keys"
assert all(set(a.keys()) == {"name", "strength", "source"} for e in d for a in e["aliases"]), "alias keys"
assert all(set(i.keys()) == {"type", "value"} for e in d for i in e["identifiers"]), "identifier keys"
$code
EOF
}

if [ ! -r "$DIR/un_consolidated.xml" ]; then
	echo "cannot read $DIR/un_consolidated.xml (pass the watchlists directory)" >&2
	echo "test_watchlist_xml: 0 passed, 1 failed"
	exit 1
fi

# ---------------------------------------------------------------- real files

if run_conv un "$DIR/un_consolidated.xml"; then ok; else bad "un: $(cat "$T/un.err")"; fi
# counts computed independently from the (trusted) file with ElementTree
check un '
import xml.etree.ElementTree as ET
r = ET.parse("'"$DIR"'/un_consolidated.xml").getroot()
ind, ent = list(r.iter("INDIVIDUAL")), list(r.iter("ENTITY"))
assert len(d) == len(ind) + len(ent) == 1003, len(d)
c = collections.Counter(e["type"] for e in d)
assert c["individual"] == 730 and c["entity"] == 273, c
low = sum(1 for a in r.iter("INDIVIDUAL_ALIAS") if (a.findtext("QUALITY") or "").strip() == "Low")
assert low == 615
assert sum(len(aliases(e, "weak")) for e in d) == low
docs = sum(1 for x in r.iter("INDIVIDUAL_DOCUMENT") if (x.findtext("NUMBER") or "").strip())
assert sum(len(e["identifiers"]) for e in d) == docs == 454
# IQi.001 SADDAM HUSSEIN AL-TIKRITI: original script as a strong alias, "Abu Ali" Low
e = by["IQi.001"]
assert e["name"] == "SADDAM HUSSEIN AL-TIKRITI" and e["type"] == "individual"
assert "صدام حسين التكريتي" in aliases(e, "strong")
assert aliases(e, "weak") == ["Abu Ali"]
assert e["programs"] == ["Iraq"] and e["countries"] == ["Iraq"] and e["remarks"] is None
# CDe.001 ADF: a.k.a. and f.k.a. are strong; address joined
e = by["CDe.001"]
assert e["type"] == "entity" and e["name"] == "ADF"
assert aliases(e, "strong") == ["Allied Democratic Forces", "Forces Démocratiques Alliées-Armée Nationale de Libération de l’Ouganda", "ADF/NALU", "NALU"]
assert e["addresses"] == ["North Kivu, Democratic Republic of the Congo"]
# CDi.019: a national identification number; CDi.021: a passport
assert {"type": "National Identification Number", "value": "1-78-09-44621-80"} in by["CDi.019"]["identifiers"]
assert {"type": "Passport", "value": "OB 0243318"} in by["CDi.021"]["identifiers"]
# no empty alias, no alias equal to the primary name
assert all(a["name"] and a["name"] != e["name"] for e in d for a in e["aliases"])
'

if run_conv eu "$DIR/eu_consolidated_sample_2016_legacy.xml"; then ok; else bad "eu: $(cat "$T/eu.err")"; fi
check eu '
assert len(d) == 595
c = collections.Counter(e["type"] for e in d)
assert c["individual"] == 319 and c["entity"] == 276, c
assert collections.Counter(p for e in d for p in e["programs"]) == {"IRQ": 292, "TAQA": 155, "AFG": 108, "TERR": 22, "COD": 16, "ZWE": 2}
e = by["1"]
assert e["name"] == "Robert Gabriel Mugabe" and e["programs"] == ["ZWE"]
assert e["identifiers"] == [{"type": "National passport", "value": "AD001095"}]
e = by["13"]
assert e["name"] == "Saddam Hussein Al-Tikriti" and aliases(e) == ["Abu Ali", "Abou Ali"]
assert e["countries"] == ["IRQ"] and e["remarks"] == "(UNSC RESOLUTION 1483)"
assert all(a["strength"] == "strong" for e in d for a in e["aliases"])
assert max(int(e["entry_id"]) for e in d) == 3221
'

# the format named explicitly; deterministic output; --output; --sql
run_conv un2 --format un -q "$DIR/un_consolidated.xml" && cmp -s "$T/un.out" "$T/un2.out" && ok || bad "un twice differs"
[ ! -s "$T/un2.err" ] && ok || bad "--quiet printed $(cat "$T/un2.err")"
run_conv eu2 --output "$T/eu.json" "$DIR/eu_consolidated_sample_2016_legacy.xml" &&
	[ ! -s "$T/eu2.out" ] && cmp -s "$T/eu.json" "$T/eu.out" && ok || bad "--output"
if run_conv sql --sql "o'brien" "$DIR/eu_consolidated_sample_2016_legacy.xml" &&
	"$PY" - "$T/sql.out" "$T/eu.out" <<'EOF'; then ok; else bad "--sql"; fi
import sys, json
s = open(sys.argv[1], encoding="utf-8").read()
head = "SELECT arka_load_watchlist('o''brien', $arka$"
assert s.startswith(head) and s.endswith("$arka$::jsonb);\n"), s[:80]
assert json.loads(s[len(head):-len("$arka$::jsonb);\n")]) == json.load(open(sys.argv[2], encoding="utf-8"))
EOF
# a dollar quote inside the data is not closed early
cat >"$T/dollar.xml" <<'EOF'
<WHOLE><ENTITY Id="1" Type="E" programme="X" remark="pays in $arka$ and $arka1$"><NAME><WHOLENAME>A</WHOLENAME></NAME></ENTITY></WHOLE>
EOF
run_conv dollar --sql x "$T/dollar.xml" && grep -q '^SELECT arka_load_watchlist(.x., \$arka2\$' "$T/dollar.out" && ok || bad "dollar quote tag"

# ---------------------------------------------------------------- hostile XML

UN=$DIR/un_consolidated.xml
size=$(stat -c %s "$UN")
for cut in 0 1 10 1000 $((size / 2)) $((size - 25)) $((size - 1)); do
	head -c "$cut" "$UN" >"$T/cut$cut.xml"
	if [ "$cut" -eq 0 ]; then want="no element found"; else want="not well-formed XML"; fi
	refused "cut$cut" "$want" "$T/cut$cut.xml"
done
# whitespace, a comment or a processing instruction after the root is no problem
{ cat "$UN"; printf '\n<!-- end -->\n<?pi x?>\n  \n'; } >"$T/tail.xml"
run_conv tail "$T/tail.xml" && cmp -s "$T/tail.out" "$T/un.out" && ok || bad "trailing misc after the root"
# but a second root is not
{ cat "$UN"; printf '\n<CONSOLIDATED_LIST/>\n'; } >"$T/tworoots.xml"
refused tworoots "junk after document element" "$T/tworoots.xml"

printf '<?xml version="1.0"?>\n<foo><INDIVIDUALS/></foo>\n' >"$T/root.xml"
refused wrongroot "line 2 column 1: root element is <foo>, expected <CONSOLIDATED_LIST> or <WHOLE>" "$T/root.xml"
refused wrongformat "root element is <WHOLE>, expected <CONSOLIDATED_LIST>" --format un "$DIR/eu_consolidated_sample_2016_legacy.xml"
refused wrongformat2 "root element is <CONSOLIDATED_LIST>, expected <WHOLE>" --format eu "$UN"

# a 2 MiB name, a 2 MiB attribute; the limit is adjustable
"$PY" -c '
import sys
big = "A" * (2 * 1024 * 1024)
open(sys.argv[1], "w").write("<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><REFERENCE_NUMBER>X.1</REFERENCE_NUMBER><FIRST_NAME>%s</FIRST_NAME></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>" % big)
open(sys.argv[2], "w").write("<WHOLE><ENTITY Id=\"1\" Type=\"P\" remark=\"%s\"><NAME><WHOLENAME>A</WHOLENAME></NAME></ENTITY></WHOLE>" % big)
' "$T/bigtext.xml" "$T/bigattr.xml"
refused bigtext "text of <FIRST_NAME> is longer than 1048576 bytes" "$T/bigtext.xml"
refused bigattr "attribute remark of <ENTITY> is longer than 1048576 bytes" "$T/bigattr.xml"
run_conv bigok --max-field 4000000 "$T/bigtext.xml" && ok || bad "--max-field raised"
refused maxbytes "input is larger than 1000 bytes" --max-bytes 1000 "$UN"

# entity expansion and external resources: any DOCTYPE is refused before it is read
cat >"$T/lol.xml" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><REFERENCE_NUMBER>X.1</REFERENCE_NUMBER><FIRST_NAME>&lol9;</FIRST_NAME></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>
EOF
refused billionlaughs "line 2 column 16: a DOCTYPE (DTD) is not allowed" "$T/lol.xml"
# quadratic blowup: one big entity used many times
"$PY" -c '
import sys
open(sys.argv[1], "w").write("<!DOCTYPE x [<!ENTITY a \"%s\">]><WHOLE>%s</WHOLE>" % ("B" * 50000, "&a;" * 50000))
' "$T/quadratic.xml"
refused quadratic "a DOCTYPE (DTD) is not allowed" "$T/quadratic.xml"
cat >"$T/xxe.xml" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE WHOLE [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<WHOLE><ENTITY Id="1" Type="P"><NAME><WHOLENAME>&xxe;</WHOLENAME></NAME></ENTITY></WHOLE>
EOF
refused xxe "a DOCTYPE (DTD) is not allowed" "$T/xxe.xml"
printf '<?xml version="1.0"?>\n<!DOCTYPE WHOLE SYSTEM "http://127.0.0.1:9/x.dtd">\n<WHOLE/>\n' >"$T/extdtd.xml"
refused externaldtd "a DOCTYPE (DTD) is not allowed" "$T/extdtd.xml"
printf '<?xml version="1.0"?>\n<!DOCTYPE WHOLE [<!ENTITY %% p SYSTEM "file:///etc/passwd"> %%p;]>\n<WHOLE/>\n' >"$T/paramentity.xml"
refused paramentity "a DOCTYPE (DTD) is not allowed" "$T/paramentity.xml"
printf '<WHOLE><ENTITY Id="1" Type="P"><NAME><WHOLENAME>&lol;</WHOLENAME></NAME></ENTITY></WHOLE>\n' >"$T/undef.xml"
refused undefinedentity "undefined entity" "$T/undef.xml"
printf '<WHOLE><ENTITY Id="1" Type="P"><NAME><WHOLENAME>A&#0;</WHOLENAME></NAME></ENTITY></WHOLE>\n' >"$T/nulref.xml"
refused nulcharref "not well-formed XML" "$T/nulref.xml"
# the five predefined entities and character references are fine
printf '<WHOLE><ENTITY Id="1" Type="E" programme="X"><NAME><WHOLENAME>A &amp; B &lt;C&gt; &#x1F600; &#233;</WHOLENAME></NAME></ENTITY></WHOLE>\n' >"$T/predef.xml"
run_conv predef "$T/predef.xml" && check predef 'assert d[0]["name"] == "A & B <C> \U0001F600 é", d' || bad "predefined entities"

# nesting, garbage, encodings
"$PY" -c 'import sys; open(sys.argv[1], "w").write("<WHOLE>" + "<a>" * 100000 + "</a>" * 100000 + "</WHOLE>")' "$T/deep.xml"
refused deep "elements nested deeper than 64" "$T/deep.xml"
head -c 4096 /dev/urandom >"$T/garbage.xml"
refused garbage "not well-formed XML" "$T/garbage.xml"
printf '<WHOLE><ENTITY Id="1" Type="P"><NAME><WHOLENAME>JOS\xc9</WHOLENAME></NAME></ENTITY></WHOLE>\n' >"$T/badutf8.xml"
refused badutf8 "not well-formed XML" "$T/badutf8.xml"
printf '<?xml version="1.0" encoding="ISO-8859-1"?>\n<WHOLE><ENTITY Id="1" Type="P" programme="X"><NAME><WHOLENAME>JOS\xc9</WHOLENAME></NAME></ENTITY></WHOLE>\n' >"$T/latin1.xml"
run_conv latin1 "$T/latin1.xml" && check latin1 'assert d[0]["name"] == "JOSÉ", d' || bad "declared ISO-8859-1"
"$PY" -c '
import sys
open(sys.argv[1], "wb").write("<WHOLE><ENTITY Id=\"1\" Type=\"E\" programme=\"X\"><NAME><WHOLENAME>\u0395\u039b\u039b\u0391\u03a3</WHOLENAME></NAME></ENTITY></WHOLE>".encode("utf-16"))
' "$T/utf16.xml"
run_conv utf16 "$T/utf16.xml" && check utf16 'assert d[0]["name"] == "ΕΛΛΑΣ", d' || bad "UTF-16 with BOM"
refused missing "No such file" "$T/does-not-exist.xml"

# well-formed but not a usable list
printf '<CONSOLIDATED_LIST><INDIVIDUALS/><ENTITIES/></CONSOLIDATED_LIST>' >"$T/empty.xml"
refused noentries "no entries" "$T/empty.xml"
printf '<CONSOLIDATED_LIST><ENTITIES><ENTITY><REFERENCE_NUMBER>A.1</REFERENCE_NUMBER><FIRST_NAME>X</FIRST_NAME></ENTITY><ENTITY><REFERENCE_NUMBER>A.1</REFERENCE_NUMBER><FIRST_NAME>Y</FIRST_NAME></ENTITY></ENTITIES></CONSOLIDATED_LIST>' >"$T/dup.xml"
refused duplicate "duplicate entry id A.1" "$T/dup.xml"
printf '<CONSOLIDATED_LIST>\n<ENTITIES>\n<ENTITY><REFERENCE_NUMBER>A.1</REFERENCE_NUMBER><FIRST_NAME> </FIRST_NAME></ENTITY></ENTITIES></CONSOLIDATED_LIST>' >"$T/noname.xml"
refused noname "line 3: A.1 has no name" "$T/noname.xml"
printf '<WHOLE><ENTITY Id="1" Type="Q"><NAME><WHOLENAME>A</WHOLENAME></NAME></ENTITY></WHOLE>' >"$T/type.xml"
refused badtype "entity 1 has Type 'Q', expected P or E" "$T/type.xml"
printf '<WHOLE><ENTITY Type="P"><NAME><WHOLENAME>A</WHOLENAME></NAME></ENTITY></WHOLE>' >"$T/noid.xml"
refused noid "<ENTITY> without Id" "$T/noid.xml"

# a failed run leaves an existing --output file alone
echo previous >"$T/keep.json"
refused keep "not well-formed XML" --output "$T/keep.json" "$T/garbage.xml"
[ "$(cat "$T/keep.json")" = previous ] && ok || bad "--output overwritten on failure"
[ -z "$(find "$T" -name '.watchlist_xml.*')" ] && ok || bad "temporary file left behind"

echo "test_watchlist_xml: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
