#!/usr/bin/env python3
"""Compares the text trawl extracts from PDFs with an independent reader (pdfium, through
pypdfium2; pdfminer.six where pdfium opens nothing).

For each PDF under the corpora's pdf/ folders: non-space, non-control characters from trawl, from the
reference, their ratio, and trawl's reasons. Then the median ratio over the files the
reference reads (with at least 20 characters) and the worst five.

    cargo build --release -p trawl-formats --example extract_text
    scripts/pdf-text-compare.py [BINARY] [CORPUS...] > figures.txt

BINARY defaults to $CARGO_TARGET_DIR/release/examples/extract_text (or target/...).
"""
import os
import statistics
import subprocess
import sys
import unicodedata


def nonspace(text):
    """Characters that are neither space nor control (pdfium passes unmapped codes through
    as control characters, which are not text)."""
    return sum(1 for c in text if not c.isspace() and unicodedata.category(c) != "Cc")


def reference(path):
    """(characters, reader) from pdfium with an empty password, else pdfminer."""
    try:
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(path, password="")
        n = 0
        for i in range(len(doc)):
            page = doc[i]
            tp = page.get_textpage()
            n += nonspace(tp.get_text_range())
            tp.close()
            page.close()
        doc.close()
        return n, "pdfium"
    except Exception:
        pass
    try:
        from pdfminer.high_level import extract_text

        return nonspace(extract_text(path, password="")), "pdfminer"
    except Exception:
        return None, "-"


def trawl(binary, path):
    p = subprocess.run([binary, path], capture_output=True, timeout=120)
    text = p.stdout.decode("utf-8", "replace")
    reasons = [
        l[len("reason: "):].split(" ", 1)[0]
        for l in p.stderr.decode("utf-8", "replace").splitlines()
        if l.startswith("reason: ")
    ]
    return nonspace(text), ",".join(reasons) or "COMPLETE"


def expectations(corpus):
    """The manifest's `expect` label per file (`pdf/NAME`)."""
    out = {}
    path = os.path.join(corpus, "MANIFEST.tsv")
    if os.path.isfile(path):
        for line in open(path, encoding="utf-8").read().splitlines()[1:]:
            cols = line.split("\t")
            if len(cols) > 9:
                out[cols[0]] = cols[9]
    return out


def meets(expect, status):
    """Whether trawl's reasons meet the manifest's label (as /work/notes/check_corpus.py
    judges a scan's records; limits aside, which PDFs do not hit)."""
    codes = [] if status == "COMPLETE" else status.split(",")
    if expect == "extract":
        return all(c == "ARCHIVE_CONTAINS_UNPROCESSED_FILES" for c in codes)
    if expect == "corrupt":
        return any(c in ("MALFORMED_FILE", "READ_ERROR") for c in codes)
    if expect == "metadata-only-encrypted":
        return "ENCRYPTED_CONTENT" in codes
    return None


def main():
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    binary = sys.argv[1] if len(sys.argv) > 1 else f"{target}/release/examples/extract_text"
    corpora = sys.argv[2:] or ["/work/shared/corpus/real", "/work/shared/corpus/real2"]
    rows = []
    for corpus in corpora:
        folder = os.path.join(corpus, "pdf")
        if not os.path.isdir(folder):
            print(f"# {corpus}: no pdf/ folder")
            continue
        expect = expectations(corpus)
        for name in sorted(os.listdir(folder)):
            if not name.lower().endswith(".pdf"):
                continue
            path = os.path.join(folder, name)
            ours, status = trawl(binary, path)
            ref, reader = reference(path)
            ratio = ours / ref if ref else None
            ok = meets(expect.get(f"pdf/{name}"), status)
            label = "" if ok is None else ("" if ok else f"  MANIFEST-FAIL ({expect.get(f'pdf/{name}')})")
            rows.append((f"{os.path.basename(corpus)}/pdf/{name}", ours, ref, reader, ratio, status + label))
    print(f"{'file':60} {'trawl':>7} {'ref':>7} {'reader':8} {'ratio':>6}  reasons")
    for f, ours, ref, reader, ratio, status in rows:
        r = f"{ratio:6.2f}" if ratio is not None else "     -"
        print(f"{f:60} {ours:7} {ref if ref is not None else '-':>7} {reader:8} {r}  {status}")
    scored = [r for r in rows if r[2] is not None and r[2] >= 20]
    if scored:
        med = statistics.median(r[4] for r in scored)
        ours_total = sum(r[1] for r in scored)
        ref_total = sum(r[2] for r in scored)
        print(f"\nfiles compared (reference >= 20 characters): {len(scored)}; median ratio {med:.3f}")
        print(f"characters over those files: {ours_total} of {ref_total} ({ours_total / ref_total:.3f})")
        below = [r for r in scored if r[4] < 0.9]
        print(f"files under 0.9: {len(below)}, of them COMPLETE: {sum(r[5] == 'COMPLETE' for r in below)}")
        print("worst five:")
        for f, ours, ref, reader, ratio, status in sorted(scored, key=lambda r: r[4])[:5]:
            print(f"  {f}: {ours}/{ref} = {ratio:.3f} ({status})")
    fails = [r[0] for r in rows if "MANIFEST-FAIL" in r[5]]
    print(f"manifest expectations not met: {len(fails)}")
    for f in fails:
        print(f"  {f}")

if __name__ == "__main__":
    main()
