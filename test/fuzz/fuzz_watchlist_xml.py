#!/usr/bin/python3
"""Bounded mutation fuzzer for tools/watchlist_xml.py (the UN/EU XML loader).

The converter is Python, so instead of libFuzzer this drives it with
mutations of seed documents (the corpus in test/fuzz/corpus/xml/ plus
slices of the real files): byte flips, insertions of XML syntax, deleted
and repeated spans, truncations, DTD/entity injections.  Every input must
either convert into entries of the documented shape or fail with the
converter's own ConvertError; any other exception is a bug and is written
to the artifact directory.

    /usr/bin/python3 test/fuzz/fuzz_watchlist_xml.py SECONDS [WATCHLISTS_DIR]

Prints 'fuzz_watchlist_xml: N passed, N failed' (N = inputs run).
"""
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
import watchlist_xml  # noqa: E402

KEYS = {"entry_id", "type", "name", "aliases", "programs", "countries",
        "addresses", "identifiers", "remarks"}
SNIPPETS = [b"<", b">", b"</", b"/>", b"&", b"&amp;", b"&#0;", b"&#xD800;", b"]]>",
            b"<![CDATA[", b"<!DOCTYPE x [<!ENTITY e 'x'>]>", b"<!ENTITY % p SYSTEM 'file:///etc/passwd'>",
            b"<?xml-stylesheet x?>", b"\x00", b"\xff\xfe", b"\xe2\x80", b"=\"", b"'", b"\r\n",
            b"<INDIVIDUAL>", b"<ENTITY Id=\"1\" Type=\"P\">", b"<NAME>", b"<ALIAS>", b"xmlns:a=\"u\""]


def seeds(watchlists):
    out = []
    corpus = os.path.join(HERE, "corpus", "xml")
    if os.path.isdir(corpus):
        for f in sorted(os.listdir(corpus)):
            with open(os.path.join(corpus, f), "rb") as fh:
                out.append(fh.read())
    for name in ("un_consolidated.xml", "eu_consolidated_sample_2016_legacy.xml"):
        path = os.path.join(watchlists or "", name)
        if watchlists and os.path.exists(path):
            with open(path, "rb") as fh:
                data = fh.read()
            out.append(data[:20000])          # a prefix: truncated document
            out.append(data[:4000] + data[-2000:])
    return out or [b"<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>"]


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(6)
        pos = rng.randrange(len(data) + 1)
        if op == 0 and data:
            data[min(pos, len(data) - 1)] = rng.randrange(256)
        elif op == 1:
            data[pos:pos] = rng.choice(SNIPPETS)
        elif op == 2 and data:
            end = min(len(data), pos + rng.randint(1, 200))
            del data[pos:end]
        elif op == 3 and data:
            end = min(len(data), pos + rng.randint(1, 200))
            data[pos:pos] = data[pos:end] * rng.randint(2, 5)
        elif op == 4:
            del data[pos:]
        else:
            data[pos:pos] = bytes(rng.randrange(32, 127) for _ in range(rng.randint(1, 20)))
    return bytes(data)


def check(entries):
    assert isinstance(entries, list) and entries
    for e in entries:
        assert set(e) == KEYS, sorted(e)
        assert isinstance(e["name"], str) and e["name"]


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 30
    watchlists = sys.argv[2] if len(sys.argv) > 2 else None
    artifacts = os.environ.get("FUZZ_ARTIFACTS", "/tmp")
    rng = random.Random(20261126)
    pool = seeds(watchlists)
    runs = failed = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data = mutate(rng, rng.choice(pool))
        runs += 1
        try:
            _, _, entries = watchlist_xml.convert(data, fmt=rng.choice(["auto", "un", "eu"]),
                                                  max_field=64 * 1024)
            check(entries)
        except watchlist_xml.ConvertError:
            pass
        except Exception as exc:  # a crash of the converter: keep the input
            failed += 1
            path = os.path.join(artifacts, "fuzz_watchlist_xml-crash-%d" % runs)
            with open(path, "wb") as fh:
                fh.write(data)
            print("FAIL %r (input saved to %s)" % (exc, path), file=sys.stderr)
    print("fuzz_watchlist_xml: %d passed, %d failed" % (runs - failed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
