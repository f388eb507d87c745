#!/usr/bin/env python3
"""Writes the seed corpora, fuzz/corpus/<target>/, from the repository's own test lines:
ALB's golden lines (src/format/alb/parse/testdata/lines, tests/data, fixtures/hostile), the
CloudFront fixture day's files (fixtures/day/cloudfront) and the string literals of the
CloudFront, nginx and API Gateway parser tests. Run from anywhere: `python3 fuzz/seed.py`.
Existing files are kept (libFuzzer adds its finds beside them); seeds are named by content.
"""
import gzip
import hashlib
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"


def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    if not data or len(data) > 4096:
        return
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def rust_strings(text):
    """The string literals of Rust source, decoded (raw strings and the common escapes)."""
    pat = re.compile(r'r(#+)"(.*?)"\1|"((?:[^"\\]|\\.)*)"', re.S)
    out = []
    for m in pat.finditer(text):
        if m.group(2) is not None:
            out.append(m.group(2))
            continue
        s = m.group(3)
        s = re.sub(r"\\\n\s*", "", s)
        s = re.sub(r"\\u\{([0-9a-fA-F]+)\}", lambda x: chr(int(x.group(1), 16)), s)
        s = re.sub(r"\\x([0-9a-fA-F]{2})", lambda x: chr(int(x.group(1), 16)), s)
        s = re.sub(r'\\(["\\nrt0\'])', lambda x: {'n': '\n', 'r': '\r', 't': '\t', '0': '\0'}.get(x.group(1), x.group(1)), s)
        out.append(s)
    return out


def tests(path):
    """Each #[test] function's text."""
    return re.split(r"#\[test\]", (ROOT / path).read_text())[1:]


def alb():
    for p in sorted((ROOT / "src/format/alb/parse/testdata/lines").glob("*.log")):
        write("parse_line", p.read_bytes().rstrip(b"\n"))
    write("parse_line", (ROOT / "tests/data/one-line.log").read_bytes().rstrip(b"\n"))
    for line in (ROOT / "fixtures/hostile/access.log").read_bytes().splitlines()[:20]:
        write("parse_line", line)


def cloudfront():
    files = sorted((ROOT / "fixtures/day/cloudfront").glob("*.gz"))[:3]
    for p in files:
        lines = gzip.decompress(p.read_bytes()).decode().split("\n")
        header = [l for l in lines if l.startswith("#")]
        body = [l for l in lines if l and not l.startswith("#")]
        # a small file (its header and a few lines), single lines in the standard order,
        # and the same lines as v2 JSON objects keyed by the header's names
        write("cloudfront_tsv", "\n".join(header + body[:3]) + "\n")
        names = next(l for l in header if l.startswith("#Fields:")).split()[1:]
        for line in body[:8]:
            write("cloudfront_tsv", line)
            values = line.split("\t")
            obj = ",".join(f'"{k}":"{v}"' for k, v in zip(names, values))
            write("cloudfront_json", "{" + obj + "}")
        # older layouts: the same lines cut to 19, 23, 24 and 26 fields, with their header
        for n in (19, 23, 24, 26):
            cut = ["\t".join(l.split("\t")[:n]) for l in body[:2]]
            write("cloudfront_tsv", "#Fields: " + " ".join(names[:n]) + "\n" + "\n".join(cut))
    for path in ("src/format/cloudfront/parse/tests.rs", "src/format/cloudfront/parse/json.rs"):
        for s in rust_strings((ROOT / path).read_text()):
            if s.lstrip().startswith("{"):
                write("cloudfront_json", s)
            elif s.startswith("#Fields:"):
                write("cloudfront_tsv", s)


def nginx():
    # `\0` selects no configured escape (the targets' first byte)
    combined = r'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"'
    for path in ("src/format/nginx/tests_format.rs", "src/format/nginx/tests_lines.rs", "tests/nginx.rs"):
        for block in tests(path):
            strings = rust_strings(block)
            formats = [s for s in strings if "$" in s]
            lines = [s for s in strings if "$" not in s and len(s) > 12]
            for f in formats:
                write("nginx_log_format", "\0" + f)
                one_line = f.replace("\n", " ")
                if lines:
                    write("nginx_line", "\0" + one_line + "\n" + "\n".join(lines[:6]))
            if lines and not formats:
                write("nginx_line", "\0" + combined + "\n" + "\n".join(lines[:6]))
    for b, esc in ((1, "default"), (2, "json"), (3, "none")):
        write("nginx_log_format", bytes([b]) + combined.encode())


def apigw():
    # the first byte: even, no configured format; odd, a format on the first line
    for path in ("src/format/apigw/tests_lines.rs", "src/format/apigw/tests_corpus.rs"):
        for block in tests(path):
            strings = rust_strings(block)
            formats = [s for s in strings if "$context." in s]
            lines = [s for s in strings if "$context." not in s and len(s) > 12]
            for f in formats:
                if lines:
                    write("apigw_line", "\1" + f.replace("\n", " ") + "\n" + "\n".join(lines[:6]))
            if lines:
                write("apigw_line", "\0" + "\n".join(lines[:8]))


alb()
cloudfront()
nginx()
apigw()
for d in sorted(CORPUS.iterdir()):
    print(f"{d.name}: {sum(1 for _ in d.iterdir())} seeds")
