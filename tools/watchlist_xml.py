#!/usr/bin/python3
"""Convert the UN Security Council consolidated list (XML) and the EU's
legacy (pre-2017, WHOLE/ENTITY/NAME) consolidated list into the JSON array
that arka_load_watchlist(list_name, entries jsonb) takes.

    /usr/bin/python3 tools/watchlist_xml.py [--format auto|un|eu]
        [--output FILE] [--sql LIST_NAME] [--max-field BYTES]
        [--max-bytes BYTES] INPUT.xml

Each entry has exactly the keys the OFAC parser writes:
    entry_id, type, name, aliases [{name, strength, source}], programs,
    countries, addresses, identifiers [{type, value}], remarks

Standard library only (Debian's python3).  The XML is read with expat
directly, and anything that could expand or fetch is refused rather than
ignored: a DOCTYPE (so no entity declarations, no billion laughs, no
external entities), entity references other than XML's five, processing
of parameter entities.  Input size, text size per element or attribute
and nesting depth are bounded.  Any problem exits with status 1, a
message naming the line, and no output at all (an --output file is
written only once everything has converted).

See docs/watchlists.md for the field mapping.
"""

import argparse
import hashlib
import json
import os
import sys
import tempfile
import xml.parsers.expat as expat

MAX_BYTES = 256 * 1024 * 1024    # whole input
MAX_FIELD = 1024 * 1024          # one element's text or one attribute value
MAX_DEPTH = 64                   # the real files nest 5 deep
MAX_ELEMENTS = 20 * 1000 * 1000


class ConvertError(Exception):
    pass


class Node(object):
    """A minimal element: tag, attributes, children, text."""
    __slots__ = ("tag", "attrs", "children", "parts", "line")

    def __init__(self, tag, attrs, line):
        self.tag = tag
        self.attrs = attrs
        self.children = []
        self.parts = []
        self.line = line

    @property
    def text(self):
        return "".join(self.parts)

    def find(self, tag):
        for c in self.children:
            if c.tag == tag:
                return c
        return None

    def findall(self, tag):
        return [c for c in self.children if c.tag == tag]

    def findtext(self, tag):
        c = self.find(tag)
        return c.text if c is not None else ""


def _local(name):
    """Tag without a namespace prefix ("xsi:foo" -> "foo")."""
    return name.rsplit(":", 1)[-1]


def parse_xml(data, max_field=MAX_FIELD, max_depth=MAX_DEPTH, expect_root=None):
    """Parse bytes into a Node tree, refusing DTDs and entities."""
    p = expat.ParserCreate()
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack = []
    state = {"root": None, "elements": 0, "textlen": [0]}

    def where():
        return "line %d column %d" % (p.CurrentLineNumber, p.CurrentColumnNumber + 1)

    def refuse(what):
        def handler(*_args):
            raise ConvertError("%s: %s" % (where(), what))
        return handler

    def start(tag, attrs):
        if len(stack) >= max_depth:
            raise ConvertError("%s: elements nested deeper than %d" % (where(), max_depth))
        state["elements"] += 1
        if state["elements"] > MAX_ELEMENTS:
            raise ConvertError("%s: more than %d elements" % (where(), MAX_ELEMENTS))
        for k, v in attrs.items():
            if len(v.encode("utf-8")) > max_field:
                raise ConvertError("%s: attribute %s of <%s> is longer than %d bytes"
                                   % (where(), k, tag, max_field))
        node = Node(_local(tag), attrs, p.CurrentLineNumber)
        if stack:
            stack[-1].children.append(node)
        else:
            if expect_root is not None and node.tag not in expect_root:
                raise ConvertError("%s: root element is <%s>, expected <%s>"
                                   % (where(), node.tag, "> or <".join(sorted(expect_root))))
            state["root"] = node
        stack.append(node)
        state["textlen"].append(0)

    def end(_tag):
        stack.pop()
        state["textlen"].pop()

    def chars(data):
        if not stack:
            return
        n = state["textlen"][-1] + len(data.encode("utf-8"))
        state["textlen"][-1] = n
        if n > max_field:
            raise ConvertError("%s: text of <%s> is longer than %d bytes"
                               % (where(), stack[-1].tag, max_field))
        stack[-1].parts.append(data)

    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = chars
    p.StartDoctypeDeclHandler = refuse("a DOCTYPE (DTD) is not allowed")
    p.EntityDeclHandler = refuse("entity declarations are not allowed")
    p.UnparsedEntityDeclHandler = refuse("entity declarations are not allowed")
    p.NotationDeclHandler = refuse("notation declarations are not allowed")
    p.ExternalEntityRefHandler = refuse("external entities are not allowed")
    p.SkippedEntityHandler = refuse("undeclared entity reference")

    try:
        view = memoryview(data)
        step = 1 << 16
        for i in range(0, len(data), step):
            p.Parse(bytes(view[i:i + step]), False)
        p.Parse(b"", True)
    except expat.ExpatError as e:
        raise ConvertError("line %d column %d: not well-formed XML: %s"
                           % (e.lineno, e.offset + 1, expat.ErrorString(e.code)))
    except LookupError as e:
        # the XML declaration names an encoding Python does not know
        # (found by test/fuzz/fuzz_watchlist_xml.py)
        raise ConvertError("line 1: unsupported encoding in the XML declaration: %s" % e)
    if state["root"] is None:
        raise ConvertError("no root element")
    return state["root"]


# ----------------------------------------------------------------
# Shared helpers
# ----------------------------------------------------------------

def clean(s):
    """Collapse runs of whitespace (names, countries, numbers)."""
    return " ".join((s or "").split())


def new_entry(entry_id, etype, name, remarks):
    return {
        "entry_id": entry_id,
        "type": etype,
        "name": name,
        "aliases": [],
        "programs": [],
        "countries": [],
        "addresses": [],
        "identifiers": [],
        "remarks": remarks if remarks else None,
    }


class Adder(object):
    """Appends to an entry's arrays without repeats."""

    def __init__(self, entry):
        self.e = entry
        self.seen_alias = {entry["name"]}
        self.seen = set()

    def alias(self, name, strength):
        name = clean(name)
        if name and name not in self.seen_alias:
            self.seen_alias.add(name)
            self.e["aliases"].append({"name": name, "strength": strength, "source": "alt"})

    def add(self, key, value):
        value = clean(value)
        if value and (key, value) not in self.seen:
            self.seen.add((key, value))
            self.e[key].append(value)

    def identifier(self, itype, value):
        itype, value = clean(itype), clean(value)
        if value and ("id", itype, value) not in self.seen:
            self.seen.add(("id", itype, value))
            self.e["identifiers"].append({"type": itype or "Document", "value": value})


def join_parts(*parts):
    return ", ".join(p for p in (clean(x) for x in parts) if p)


# ----------------------------------------------------------------
# UN Security Council consolidated list
# ----------------------------------------------------------------

UN_STRENGTH = {"good": "strong", "a.k.a.": "strong", "f.k.a.": "strong",
               "": "strong", "low": "weak"}


def convert_un(root):
    out = []
    for group, kind in (("INDIVIDUALS", "INDIVIDUAL"), ("ENTITIES", "ENTITY")):
        for g in root.findall(group):
            for x in g.findall(kind):
                ref = clean(x.findtext("REFERENCE_NUMBER")) or clean(x.findtext("DATAID"))
                if not ref:
                    raise ConvertError("line %d: <%s> without REFERENCE_NUMBER or DATAID"
                                       % (x.line, kind))
                name = " ".join(n for n in (clean(x.findtext(t)) for t in (
                    "FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")) if n)
                if not name:
                    raise ConvertError("line %d: %s has no name" % (x.line, ref))
                e = new_entry(ref, "individual" if kind == "INDIVIDUAL" else "entity",
                              name, (x.findtext("COMMENTS1") or "").strip())
                a = Adder(e)
                a.alias(x.findtext("NAME_ORIGINAL_SCRIPT"), "strong")
                for al in x.findall(kind + "_ALIAS"):
                    q = clean(al.findtext("QUALITY")).lower()
                    a.alias(al.findtext("ALIAS_NAME"), UN_STRENGTH.get(q, "strong"))
                a.add("programs", x.findtext("UN_LIST_TYPE"))
                for nat in x.findall("NATIONALITY"):
                    for v in nat.findall("VALUE"):
                        a.add("countries", v.text)
                for ad in x.findall(kind + "_ADDRESS"):
                    a.add("countries", ad.findtext("COUNTRY"))
                    a.add("addresses", join_parts(
                        ad.findtext("STREET"), ad.findtext("CITY"), ad.findtext("STATE_PROVINCE"),
                        ad.findtext("ZIP_CODE"), ad.findtext("COUNTRY"), ad.findtext("NOTE")))
                for doc in x.findall("INDIVIDUAL_DOCUMENT"):
                    itype = clean(doc.findtext("TYPE_OF_DOCUMENT")) or clean(doc.findtext("TYPE_OF_DOCUMENT2"))
                    a.identifier(itype, doc.findtext("NUMBER"))
                out.append(e)
    return out


# ----------------------------------------------------------------
# EU consolidated list, legacy WHOLE/ENTITY format
# ----------------------------------------------------------------

def eu_passport(number):
    """'AD001095 (passport-National passport) ((passport))' -> ('National passport', 'AD001095')."""
    s = clean(number)
    i = s.find(" (")
    if i > 0:
        j = s.find(")", i)
        inner = s[i + 2:j] if j > i else ""
        if "-" in inner:
            return inner.split("-", 1)[1].strip() or "Passport", s[:i].strip()
    return "Passport", s


def convert_eu(root):
    out = []
    for x in root.findall("ENTITY"):
        eid = clean(x.attrs.get("Id"))
        if not eid:
            raise ConvertError("line %d: <ENTITY> without Id" % x.line)
        etype = {"P": "individual", "E": "entity"}.get(clean(x.attrs.get("Type")))
        if etype is None:
            raise ConvertError("line %d: entity %s has Type %r, expected P or E"
                               % (x.line, eid, x.attrs.get("Type")))
        names = []
        for n in x.findall("NAME"):
            whole = clean(n.findtext("WHOLENAME")) or " ".join(p for p in (
                clean(n.findtext(t)) for t in ("FIRSTNAME", "MIDDLENAME", "LASTNAME")) if p)
            if whole:
                names.append(whole)
        if not names:
            raise ConvertError("line %d: entity %s has no name" % (x.line, eid))
        e = new_entry(eid, etype, names[0], (x.attrs.get("remark") or "").strip())
        a = Adder(e)
        for n in names[1:]:
            a.alias(n, "strong")
        a.add("programs", x.attrs.get("programme"))
        for c in x.findall("CITIZEN"):
            a.add("countries", c.findtext("COUNTRY"))
        for ad in x.findall("ADDRESS"):
            a.add("countries", ad.findtext("COUNTRY"))
            street = " ".join(p for p in (clean(ad.findtext("NUMBER")), clean(ad.findtext("STREET"))) if p)
            city = " ".join(p for p in (clean(ad.findtext("ZIPCODE")), clean(ad.findtext("CITY"))) if p)
            a.add("addresses", join_parts(street, city, ad.findtext("COUNTRY"), ad.findtext("OTHER")))
        for pp in x.findall("PASSPORT"):
            itype, value = eu_passport(pp.findtext("NUMBER"))
            a.identifier(itype, value)
        out.append(e)
    return out


FORMATS = {"un": ("CONSOLIDATED_LIST", convert_un), "eu": ("WHOLE", convert_eu)}


def convert(data, fmt="auto", max_field=MAX_FIELD):
    roots = {r for r, _ in FORMATS.values()} if fmt == "auto" else {FORMATS[fmt][0]}
    root = parse_xml(data, max_field=max_field, expect_root=roots)
    name, entries = None, None
    for name, (rtag, fn) in FORMATS.items():
        if root.tag == rtag:
            entries = fn(root)
            break
    if not entries:
        raise ConvertError("no entries (an empty list would replace the loaded one)")
    seen = {}
    for e in entries:
        if e["entry_id"] in seen:
            raise ConvertError("duplicate entry id %s" % e["entry_id"])
        seen[e["entry_id"]] = True
    return name, root, entries


def sql_literal_load(list_name, text):
    """SELECT arka_load_watchlist(...) with a dollar quote the text cannot close."""
    tag = "arka"
    n = 0
    while ("$%s$" % tag) in text:
        n += 1
        tag = "arka%d" % n
    name = "'" + list_name.replace("'", "''") + "'"
    return "SELECT arka_load_watchlist(%s, $%s$%s$%s$::jsonb);\n" % (name, tag, text, tag)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input")
    ap.add_argument("--format", choices=("auto", "un", "eu"), default="auto")
    ap.add_argument("--output", "-o", help="write here (atomically) instead of stdout")
    ap.add_argument("--sql", metavar="LIST_NAME",
                    help="write a SELECT arka_load_watchlist('LIST_NAME', ...) statement for psql")
    ap.add_argument("--max-field", type=int, default=MAX_FIELD)
    ap.add_argument("--max-bytes", type=int, default=MAX_BYTES)
    ap.add_argument("--quiet", "-q", action="store_true", help="no summary on stderr")
    args = ap.parse_args(argv)

    try:
        with open(args.input, "rb") as f:
            data = f.read(args.max_bytes + 1)
        if len(data) > args.max_bytes:
            raise ConvertError("input is larger than %d bytes" % args.max_bytes)
        fmt, root, entries = convert(data, args.format, args.max_field)
    except (ConvertError, OSError) as e:
        sys.stderr.write("watchlist_xml: %s: %s\n" % (args.input, e))
        return 1

    text = json.dumps(entries, ensure_ascii=False, separators=(",", ":"))
    if args.sql:
        text = sql_literal_load(args.sql, text)
    else:
        text += "\n"
    payload = text.encode("utf-8")
    if args.output:
        d = os.path.dirname(os.path.abspath(args.output))
        fd, tmp = tempfile.mkstemp(dir=d, prefix=".watchlist_xml.")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(payload)
            os.replace(tmp, args.output)
        except OSError as e:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            sys.stderr.write("watchlist_xml: %s: %s\n" % (args.output, e))
            return 1
    else:
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()

    if not args.quiet:
        strong = sum(1 for e in entries for a in e["aliases"] if a["strength"] == "strong")
        weak = sum(1 for e in entries for a in e["aliases"] if a["strength"] == "weak")
        ids = sum(len(e["identifiers"]) for e in entries)
        date = root.attrs.get("dateGenerated") or root.attrs.get("Date") or "?"
        sys.stderr.write("watchlist_xml: %s (%s, dated %s): %d entries, %d strong and %d weak aliases, "
                         "%d identifiers, sha256 %s\n"
                         % (args.input, fmt, date, len(entries), strong, weak, ids,
                            hashlib.sha256(data).hexdigest()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
