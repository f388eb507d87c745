#!/usr/bin/env python3
"""Fake Amazon Athena for the integration tests: moto in front, DuckDB behind.

    python tests/athena/harness.py --ddl queries/alb_access_logs.sql --logs fixtures/day

* moto (server mode, in-process) serves the Athena/S3/... API on 127.0.0.1;
* a proxy on 127.0.0.1 forwards every request to moto unchanged, except that it runs the SQL
  of StartQueryExecution on DuckDB (the ALB logs loaded through an emulation of Hive's
  RegexSerDe, built from the DDL file), seeds the result into moto, drives the
  QUEUED -> RUNNING -> final state progression, marks failures, and pages GetQueryResults;
* a control API under /harness/ on the proxy (config, log, reset, seed).

When ready it prints one JSON line on stdout:
    {"endpoint": ..., "moto": ..., "rows": N, "unmatched": N}
Everything else goes to stderr. It exits at EOF on stdin (unless --no-stdin), or on
SIGTERM/SIGINT. Only ever binds and connects to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as dt
import decimal
import gzip
import http.client
import json
import logging
import math
import os
import re
import signal
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
DDL_WORDS = ("CREATE", "DROP", "ALTER", "MSCK", "SHOW", "DESCRIBE")


def log(msg: str) -> None:
    print(f"[athena-harness] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# DDL: the column list, the partition column and the RegexSerDe input.regex
# --------------------------------------------------------------------------------------------


def strip_sql_comments(text: str) -> str:
    """Removes `-- ...` comments and /* */ comments outside string literals."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "'" or c == '"' or c == "`":
            j = i + 1
            while j < n:
                if text[j] == c:
                    if j + 1 < n and text[j + 1] == c:
                        j += 2
                        continue
                    break
                if c == "'" and text[j] == "\\":
                    j += 2
                    continue
                j += 1
            out.append(text[i : j + 1])
            i = j + 1
        elif text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def split_top_level(body: str) -> list[str]:
    """Splits a column list on commas that are not inside parentheses or <...>."""
    parts, depth, cur = [], 0, []
    for c in body:
        if c in "(<":
            depth += 1
        elif c in ")>":
            depth -= 1
        if c == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
    if "".join(cur).strip():
        parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def matching_paren(text: str, start: int) -> int:
    depth = 0
    i = start
    while i < len(text):
        c = text[i]
        if c == "'":
            i += 1
            while i < len(text) and text[i] != "'":
                i += 2 if text[i] == "\\" else 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError("unbalanced parentheses in the DDL")


def hive_unescape(lit: str) -> str:
    r"""The body of a single-quoted literal as Hive's unescapeSQLString reads it: a backslash
    escapes the next char (\\ -> \, \" -> ", \' -> '), \n \t \r \b \0 \Z are control
    chars, \% and \_ keep their backslash, \uXXXX and \[01][0-7][0-7] are code points, and
    any other escaped char stands for itself (\s -> s)."""
    specials = {"0": "\0", "'": "'", '"': '"', "b": "\b", "n": "\n", "r": "\r", "t": "\t",
                "Z": "\x1a", "\\": "\\", "%": "\\%", "_": "\\_"}
    out, i, n = [], 0, len(lit)
    while i < n:
        c = lit[i]
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        if lit[i + 1] == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", lit[i + 2 : i + 6]):
            out.append(chr(int(lit[i + 2 : i + 6], 16)))
            i += 6
            continue
        if re.fullmatch(r"[01][0-7][0-7]", lit[i + 1 : i + 4]):
            out.append(chr(int(lit[i + 1 : i + 4], 8)))
            i += 4
            continue
        nxt = lit[i + 1]
        out.append(specials.get(nxt, nxt))
        i += 2
    return "".join(out)


def parse_ddl(text: str) -> dict[str, Any]:
    clean = strip_sql_comments(text)
    m = re.search(r"CREATE\s+(?:EXTERNAL\s+)?TABLE\b", clean, re.I)
    if not m:
        raise ValueError("no CREATE TABLE in the DDL file")
    open_at = clean.index("(", m.end())
    close_at = matching_paren(clean, open_at)
    columns = []
    for part in split_top_level(clean[open_at + 1 : close_at]):
        cm = re.match(r"`?(\w+)`?\s+(.+?)(?:\s+COMMENT\s+'.*')?$", part, re.I | re.S)
        if not cm:
            raise ValueError(f"cannot read the column definition {part!r}")
        columns.append((cm.group(1), cm.group(2).strip().lower()))
    rest = clean[close_at + 1 :]
    partitions = []
    pm = re.search(r"PARTITIONED\s+BY\s*\(", rest, re.I)
    if pm:
        p_open = pm.end() - 1
        p_close = matching_paren(rest, p_open)
        for part in split_top_level(rest[p_open + 1 : p_close]):
            cm = re.match(r"`?(\w+)`?\s+(\S+)", part)
            if cm:
                partitions.append((cm.group(1), cm.group(2).lower()))
    skip = re.search(r"'skip\.header\.line\.count'\s*=\s*'([0-9]+)'", rest)
    skip_lines = int(skip.group(1)) if skip else 0
    if re.search(r"ROW\s+FORMAT\s+SERDE\s+'org\.openx\.data\.jsonserde\.JsonSerDe'", rest, re.I):
        props = dict(re.findall(r"'([^']+)'\s*=\s*'([^']*)'", rest))
        truthy = lambda k, d: props.get(k, d).strip().lower() == "true"
        spec = {"mappings": {k[len("mapping."):].lower(): v for k, v in props.items()
                             if k.startswith("mapping.")},
                "case_insensitive": truthy("case.insensitive", "true"),
                "dots_in_keys": truthy("dots.in.keys", "false"),
                "ignore_malformed": truthy("ignore.malformed.json", "false")}
        return {"columns": columns, "partitions": partitions, "regex": None,
                "delimiter": None, "skip": skip_lines, "json": spec}
    rm = re.search(r"'input\.regex'\s*=\s*'((?:[^'\\]|\\.)*)'", rest, re.S)
    if rm:
        regex = hive_unescape(rm.group(1))
        return {"columns": columns, "partitions": partitions, "regex": regex,
                "delimiter": None, "skip": skip_lines}
    dm = re.search(r"ROW\s+FORMAT\s+DELIMITED\s+FIELDS\s+TERMINATED\s+BY\s+'((?:[^'\\]|\\.)*)'",
                   rest, re.I)
    if not dm:
        raise ValueError("neither an 'input.regex' SERDEPROPERTY nor ROW FORMAT DELIMITED "
                         "FIELDS TERMINATED BY in the DDL file")
    return {"columns": columns, "partitions": partitions, "regex": None,
            "delimiter": hive_unescape(dm.group(1)), "skip": skip_lines}


# --------------------------------------------------------------------------------------------
# RegexSerDe emulation and the DuckDB load
# --------------------------------------------------------------------------------------------
#
# Python does the regex (re.fullmatch = Java's matcher.matches(); a group that did not take part
# is None = NULL), or, for a ROW FORMAT DELIMITED table (LazySimpleSerDe), splits the line on
# the delimiter (missing trailing fields are NULL, extra ones ignored), and writes every row as a JSON array of strings/nulls, which keeps '' and NULL
# apart. DuckDB then reads the arrays and converts each cell as RegexSerDe does: a string column
# takes the text verbatim; a number column takes what Java's Integer.valueOf / Double.valueOf
# accept and NULL for anything else (empty, "-", out of range).

INT_BOUNDS = {"tinyint": "TINYINT", "smallint": "SMALLINT", "int": "INTEGER",
              "integer": "INTEGER", "bigint": "BIGINT"}
# Java's Double.valueOf (decimal forms), applied after trimming chars <= ' '
JAVA_DOUBLE = r"[+-]?(NaN|Infinity|([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?[fFdD]?)"


def base_type(hive_type: str) -> str:
    return re.sub(r"[(<].*", "", hive_type).strip().lower()


def cell_sql(index: int, hive_type: str) -> str:
    """SQL turning cell `index` (1-based) of the JSON array `j` into the column's value."""
    v = f"j[{index}]"
    t = base_type(hive_type)
    if t in INT_BOUNDS:
        return (f"CASE WHEN regexp_full_match({v}, '[+-]?[0-9]+') "
                f"THEN TRY_CAST({v} AS {INT_BOUNDS[t]}) END")
    if t in ("double", "float"):
        target = "DOUBLE" if t == "double" else "FLOAT"
        trimmed = f"regexp_replace({v}, '^[\\x00-\\x20]+|[\\x00-\\x20]+$', '', 'g')"
        return (f"CASE WHEN regexp_full_match({trimmed}, '{JAVA_DOUBLE}') "
                f"THEN TRY_CAST(regexp_replace({trimmed}, '[fFdD]$', '') AS {target}) END")
    if t == "boolean":
        return f"CASE WHEN {v} IS NULL THEN NULL ELSE lower({v}) = 'true' END"
    if t == "date":
        return (f"CASE WHEN regexp_full_match({v}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') "
                f"THEN TRY_CAST({v} AS DATE) END")
    if t == "struct":  # the OpenX SerDe's struct: its object's JSON text
        return f"TRY_CAST(CAST({v} AS JSON) AS {duck_type(hive_type)})"
    if t not in ("string", "varchar", "char"):
        log(f"column type {hive_type!r} is loaded as text")
    return v


JAVA_DOT = r"[^\n\r\x85\u2028\u2029]"


def java_regex(pattern: str) -> re.Pattern:
    """Compiles a java.util.regex pattern so that Python matches as Java does: \\s \\d \\w
    are ASCII-only (re.ASCII), and `.` outside a class excludes Java's line terminators."""
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
            out.append(c)
        elif c == "[":
            in_class = True
            out.append(c)
            if pattern[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
        elif c == ".":
            out.append(JAVA_DOT)
        else:
            out.append(c)
        i += 1
    return re.compile("".join(out), re.ASCII)


# a day folder, maybe with an hour folder under it (Kinesis Data Firehose's yyyy/MM/dd/HH/)
DAY_IN_PATH = re.compile(r"(?:^|/)(\d{4})/(\d{2})/(\d{2})/(?:\d{2}/)?[^/]+$")
LINE_SPLIT = re.compile(rb"\r\n|\r|\n")


def list_log_files(paths: list[str], suffixes: tuple[str, ...] = (".log", ".log.gz")) -> list[Path]:
    """Folders are walked recursively for *.log and *.log.gz (a delimited table's: *.log and
    *.gz, as CloudFront names its files); a file named on the command line is taken whatever
    its name."""
    files: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs.sort()
                for name in sorted(names):
                    if name.endswith(suffixes):
                        files.append(Path(root) / name)
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"--logs {p}: no such file or folder")
    return files


def read_lines(path: Path) -> list[str]:
    """Hadoop's LineRecordReader: a line ends at \\n, \\r or \\r\\n and a final terminator
    starts no further record. Gzip (multi-member too) is chosen by the .gz suffix, as Hadoop's
    codec factory does."""
    if path.name.endswith(".gz"):
        with gzip.open(path, "rb") as f:
            data = f.read()
    else:
        data = path.read_bytes()
    if not data:
        return []
    parts = LINE_SPLIT.split(data)
    if parts[-1] == b"":
        parts.pop()
    return [p.decode("utf-8", errors="replace") for p in parts]


# numbers, true/false and NaN-like literals kept as written, as the SerDe's reader keeps them
OPENX_DECODER = json.JSONDecoder(parse_float=str, parse_int=str, parse_constant=str)


def openx_text(v: Any) -> str | None:
    """A JSON value in a string column: a string or literal as written (12, 12.50, true),
    null as NULL, an object or array as its JSON text."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def openx_lookup(obj: dict[str, Any], name: str, spec: dict[str, Any]) -> Any:
    """A struct field's (or column's) value as the OpenX SerDe finds it: the key its
    `mapping.` names, else its own name (any case with case.insensitive; the last of equal
    keys wins); failing that, with dots.in.keys, a key with dots whose '.'s read as '_' give
    the field's *own* name (never its mapping). Mappings apply at every level."""
    key = spec["mappings"].get(name, name)
    ci = spec["case_insensitive"]
    same = (lambda a, b: a.lower() == b.lower()) if ci else (lambda a, b: a == b)
    found: list[Any] = []
    for k, v in obj.items():
        if same(k, key):
            found = [v]
    if found:
        return found[0]
    if spec["dots_in_keys"] and "_" in name:
        for k, v in obj.items():
            if "." in k and same(k.replace(".", "_"), name):
                return v
    return None


def openx_value(v: Any, hive_type: str, spec: dict[str, Any]) -> Any:
    t = hive_type.strip().lower()
    if t.startswith("struct<"):
        if not isinstance(v, dict):
            return None
        return {name: openx_value(openx_lookup(v, name, spec), ft, spec)
                for name, ft in struct_fields(t)}
    return openx_text(v)


def struct_fields(hive_type: str) -> list[tuple[str, str]]:
    """struct<a:string,b:struct<c:string>> -> [(a, string), (b, struct<c:string>)]."""
    body = hive_type.strip()[len("struct<"):-1]
    out = []
    for part in split_top_level(body):
        name, _, t = part.partition(":")
        out.append((name.strip().strip("`").lower(), t.strip().lower()))
    return out


def openx_row(line: str, spec: dict[str, Any]) -> tuple | None:
    """One line through the OpenX JSON SerDe as Athena (Trino) reads it: the line trimmed; one
    that does not start with '{' or '[' (blank included) is a row of NULLs; otherwise its
    first JSON value, text after it ignored; a value that does not parse fails the query, or
    is a row of NULLs with `ignore.malformed.json`; an array fills the columns by position,
    an object by `openx_lookup`. A struct column is the text of its object (JSON, for
    DuckDB). None: a row of NULLs. (The reader also takes comments, single quotes and
    unquoted strings; this one takes strict JSON only.)"""
    txt = line.strip()
    if not txt.startswith(("{", "[")):
        return None
    try:
        obj, _ = OPENX_DECODER.raw_decode(txt)
    except ValueError as e:
        if not spec["ignore_malformed"]:
            raise QueryError(f"HIVE_CURSOR_ERROR: Row is not a valid JSON Object - {e}")
        return None
    cells = []
    for i, (name, t) in enumerate(spec["columns"]):
        if isinstance(obj, list):
            v = openx_value(obj[i] if i < len(obj) else None, t, spec)
        else:
            v = openx_value(openx_lookup(obj, name, spec), t, spec)
        cells.append(json.dumps(v, separators=(",", ":"), ensure_ascii=False)
                     if isinstance(v, dict) else v)
    return tuple(cells)


def duck_type(hive_type: str) -> str:
    t = hive_type.strip().lower()
    if t.startswith("struct<"):
        return "STRUCT(" + ", ".join(f'"{n}" {duck_type(ft)}' for n, ft in struct_fields(t)) + ")"
    return "VARCHAR"


def parse_chunk(job: tuple[list[str], str | None, str | None, int, int, int, str]
                ) -> tuple[int, int, int]:
    """Parses some files into one JSON file of row arrays: (lines, unmatched, bytes)."""
    files, regex, delimiter, skip, ncols, nparts, out_path, jspec = job
    pattern = java_regex(regex) if regex is not None else None
    null_row = (None,) * ncols
    rows: list[tuple] = []
    lines = unmatched = size = 0
    for name in files:
        path = Path(name)
        size += path.stat().st_size
        dm = DAY_IN_PATH.search(path.resolve().as_posix())
        day = f"{dm.group(1)}/{dm.group(2)}/{dm.group(3)}" if dm else None
        parts = (day,) + (None,) * (nparts - 1) if nparts else ()
        for line in read_lines(path)[skip:]:
            lines += 1
            if jspec is not None:  # the OpenX JSON SerDe
                cells = openx_row(line, jspec)
                if cells is None:
                    unmatched += 1
                    rows.append(null_row + parts)
                else:
                    rows.append(cells + parts)
                continue
            if pattern is None:  # LazySimpleSerDe: fields by the delimiter
                cells = tuple(line.split(delimiter))[:ncols]
                rows.append(cells + (None,) * (ncols - len(cells)) + parts)
                continue
            m = pattern.fullmatch(line)
            if m is None:
                unmatched += 1
                rows.append(null_row + parts)
                continue
            groups = m.groups()
            if len(groups) >= ncols:
                rows.append(groups[:ncols] + parts)
            else:  # fewer groups than columns: the missing ones are NULL
                rows.append(groups + (None,) * (ncols - len(groups)) + parts)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(rows, f, ensure_ascii=False, separators=(",", ":"))
    return lines, unmatched, size


def parse_logs(ddl: dict[str, Any], files: list[Path], jobs: int, tmpdir: str):
    """Parses the files into JSON row files (in worker processes when jobs > 1; they are
    forked, so this must run before any thread exists): (json files, lines, unmatched)."""
    columns, partitions = ddl["columns"], ddl["partitions"]
    if len(partitions) > 1:
        log(f"partition columns after {partitions[0][0]} are NULL")
    # contiguous chunks of about equal size, so the rows keep the files' order
    sizes = [f.stat().st_size for f in files]
    nchunks = max(1, min(len(files), jobs * 4)) if jobs > 1 else 1
    total = sum(sizes) or 1
    chunks: list[list[str]] = [[] for _ in range(nchunks)]
    acc = 0
    for f, size in zip(files, sizes):
        chunks[min(nchunks - 1, acc * nchunks // total)].append(str(f))
        acc += size
    jspec = None
    if ddl.get("json") is not None:
        jspec = dict(ddl["json"], columns=columns)
    chunk_jobs = [(c, ddl["regex"], ddl["delimiter"], ddl["skip"], len(columns),
                   len(partitions), os.path.join(tmpdir, f"{i:04d}.json"), jspec)
                  for i, c in enumerate(chunks) if c]
    if jobs > 1 and len(chunk_jobs) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            results = list(pool.map(parse_chunk, chunk_jobs))
    else:
        results = [parse_chunk(j) for j in chunk_jobs]
    return ([j[6] for j in chunk_jobs], sum(r[0] for r in results),
            sum(r[1] for r in results))


def build_table(con, ddl: dict[str, Any], json_files: list[str], table: str) -> None:
    columns, partitions = ddl["columns"], ddl["partitions"]
    selects = [f'{cell_sql(i + 1, t)} AS "{name}"' for i, (name, t) in enumerate(columns)]
    selects += [f'j[{len(columns) + i + 1}] AS "{name}"' for i, (name, _) in enumerate(partitions)]
    if json_files:
        source = ("read_json(?, format = 'array', records = 'false', "
                  "columns = {'j': 'VARCHAR[]'}, maximum_object_size = 1073741824)")
        params: list[Any] = [json_files]
    else:  # no log file: an empty table of the right shape
        source = "(SELECT NULL::VARCHAR[] AS j WHERE false)"
        params = []
    con.execute(f'CREATE OR REPLACE TABLE main."{table}" AS SELECT {", ".join(selects)} '
                f"FROM {source}", params)


def cache_key(ddl: dict[str, Any], files: list[Path], table: str) -> str:
    import hashlib

    h = hashlib.sha256()
    h.update(Path(__file__).read_bytes())
    h.update(json.dumps([ddl, table]).encode())
    for f in files:
        st = f.stat()
        h.update(f"{f.resolve()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:32]


def load_logs(ddl: dict[str, Any], paths: list[str], table: str, schema: str, jobs: int,
              cache_dir: str | None):
    """Builds the table from the logs (or from --cache-dir): (DuckDB connection, stats)."""
    started = time.monotonic()
    suffixes = ((".log", ".log.gz") if ddl["regex"] else
                (".log", ".gz", ".json") if ddl.get("json") else (".log", ".gz"))
    files = list_log_files(paths, suffixes)
    size = sum(f.stat().st_size for f in files)
    cached = None
    if cache_dir:
        key = cache_key(ddl, files, table)
        cached = Path(cache_dir) / f"{key}.parquet"
        meta_path = Path(cache_dir) / f"{key}.json"
    tmpdir = tempfile.mkdtemp(prefix="athena-harness-")
    try:
        if cached is not None and cached.exists() and meta_path.exists():
            meta = json.loads(meta_path.read_text())
            lines, unmatched = meta["rows"], meta["unmatched"]
            parsed = time.monotonic()
            import duckdb

            con = duckdb.connect()
            con.execute(f'CREATE TABLE main."{table}" AS SELECT * FROM read_parquet(?)',
                        [str(cached)])
            source = f"cache {cached}"
        else:
            json_files, lines, unmatched = parse_logs(ddl, files, jobs, tmpdir)
            parsed = time.monotonic()
            import duckdb  # the first DuckDB connection starts threads: after the fork

            con = duckdb.connect()
            build_table(con, ddl, json_files, table)
            source = "logs"
            if cached is not None:
                Path(cache_dir).mkdir(parents=True, exist_ok=True)
                part = cached.with_suffix(f".{os.getpid()}.tmp")
                con.execute(f"COPY main.\"{table}\" TO '{part}' (FORMAT parquet)")
                os.replace(part, cached)
                meta_path.write_text(json.dumps({"rows": lines, "unmatched": unmatched}))
    finally:
        for name in os.listdir(tmpdir):
            os.unlink(os.path.join(tmpdir, name))
        os.rmdir(tmpdir)
    con.execute("SET GLOBAL TimeZone = 'UTC'")
    con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    con.execute(f'CREATE OR REPLACE VIEW "{schema}"."{table}" AS SELECT * FROM main."{table}"')
    loaded = con.execute(f'SELECT count(*) FROM main."{table}"').fetchall()[0][0]
    if loaded != lines:
        raise RuntimeError(f"loaded {loaded} rows for {lines} lines")
    return con, {"files": len(files), "rows": lines, "unmatched": unmatched, "bytes": size,
                 "parse_seconds": parsed - started, "seconds": time.monotonic() - started,
                 "source": source}


# --------------------------------------------------------------------------------------------
# SQL: statement kind, ? parameters, Trino -> DuckDB, DuckDB values -> Athena text
# --------------------------------------------------------------------------------------------


def leading_keyword(sql: str) -> str:
    """The first word after leading whitespace and comments."""
    s = sql
    while True:
        s = s.lstrip()
        if s.startswith("--"):
            nl = s.find("\n")
            s = "" if nl < 0 else s[nl + 1 :]
        elif s.startswith("/*"):
            end = s.find("*/")
            s = "" if end < 0 else s[end + 2 :]
        else:
            break
    m = re.match(r"[A-Za-z]+", s)
    return m.group(0).upper() if m else ""


def is_ddl(sql: str) -> bool:
    return leading_keyword(sql) in DDL_WORDS


def bind_parameters(sql: str, params: list[str] | None) -> str:
    """Replaces each ? outside '...' literals, "..." identifiers and comments by the next
    parameter's text (Athena's ExecutionParameters are SQL literal text)."""
    params = list(params or [])
    out: list[str] = []
    used = 0
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in ("'", '"'):
            j = i + 1
            while j < n:
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:  # '' or "" inside
                        j += 2
                        continue
                    break
                j += 1
            out.append(sql[i : j + 1])
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(sql[i:j])
            i = j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(sql[i:j])
            i = j
        elif c == "?":
            if used < len(params):
                out.append(params[used])
            used += 1
            i += 1
        else:
            out.append(c)
            i += 1
    if used != len(params):
        raise QueryError(
            f"INVALID_PARAMETER_USAGE: Incorrect number of parameters: expected {used} but "
            f"found {len(params)}")
    return "".join(out)


class QueryError(Exception):
    pass


def transpile(sql: str, table: str | None = None) -> tuple[str, set[str]]:
    """Trino SQL -> DuckDB SQL, and the databases it names `table` in (`db.table`), which the
    caller makes resolve. An unnamed expression in the outer SELECT is named _colN, as Athena
    names it (DuckDB would name it after its text, e.g. count_star()); the AwsDataCatalog
    catalog prefix is dropped."""
    import sqlglot
    from sqlglot import exp

    try:
        trees = [t for t in sqlglot.parse(sql, read="trino") if t is not None]
        if len(trees) != 1:
            raise QueryError(f"SYNTAX_ERROR: expected one statement, found {len(trees)}")
        tree = trees[0]
        if not isinstance(tree, exp.Query):
            raise QueryError("NOT_SUPPORTED: the Athena harness runs queries (SELECT, WITH) "
                             f"only, not {type(tree).__name__}")
        select = tree
        while isinstance(select, exp.SetOperation):  # UNION etc.: the left-most SELECT names
            select = select.left
        if isinstance(select, exp.Select):
            for i, e in enumerate(list(select.expressions)):
                if not isinstance(e, (exp.Alias, exp.Column, exp.Star)):
                    e.replace(exp.alias_(e.copy(), f"_col{i}", quoted=True))
        databases: set[str] = set()
        for t in tree.find_all(exp.Table):
            catalog = t.args.get("catalog")
            if catalog is not None and catalog.name.lower() == "awsdatacatalog":
                t.set("catalog", None)
                catalog = None
            db = t.args.get("db")
            if (table and catalog is None and db is not None and db.name
                    and t.name.lower() == table.lower()):
                databases.add(db.name.lower())
        return tree.sql(dialect="duckdb"), databases
    except sqlglot.errors.SqlglotError as e:
        raise QueryError(f"SYNTAX_ERROR: {e}") from e


# DuckDB type (as DuckDBPyType prints it) -> (Athena type, precision, scale)
def athena_type(duck: str) -> tuple[str, int, int]:
    t = duck.upper()
    if t.endswith("]"):
        return "array", 0, 0
    if t.startswith("STRUCT"):
        return "row", 0, 0
    if t.startswith("MAP"):
        return "map", 0, 0
    if t.startswith("DECIMAL") or t in ("DOUBLE", "FLOAT", "REAL"):
        return "double", 17, 0
    if t in ("BIGINT", "HUGEINT", "UBIGINT", "UHUGEINT", "UINTEGER"):
        return "bigint", 19, 0
    if t in ("INTEGER", "USMALLINT"):
        return "integer", 10, 0
    if t in ("SMALLINT", "UTINYINT"):
        return "smallint", 5, 0
    if t == "TINYINT":
        return "tinyint", 3, 0
    if t == "BOOLEAN":
        return "boolean", 0, 0
    if t == "TIMESTAMP WITH TIME ZONE":
        return "timestamp with time zone", 3, 0
    if t.startswith("TIMESTAMP"):
        return "timestamp", 3, 0
    if t == "DATE":
        return "date", 0, 0
    if t.startswith("TIME"):
        return "time", 3, 0
    if t == "BLOB":
        return "varbinary", 0, 0
    if t == "JSON":
        return "json", 0, 0
    return "varchar", 2147483647, 0


def fmt_double(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return repr(float(v))


def fmt_timestamp(v: dt.datetime) -> str:
    if v.tzinfo is not None:
        v = v.astimezone(dt.timezone.utc)
        return v.strftime("%Y-%m-%d %H:%M:%S.") + f"{v.microsecond // 1000:03d} UTC"
    return v.strftime("%Y-%m-%d %H:%M:%S.") + f"{v.microsecond // 1000:03d}"


def athena_text(v: Any, nested: bool = False) -> str | None:
    """A value as Athena's GetQueryResults prints it (None for NULL)."""
    if v is None:
        return "null" if nested else None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return fmt_double(v)
    if isinstance(v, decimal.Decimal):
        return fmt_double(float(v))
    if isinstance(v, dt.datetime):
        return fmt_timestamp(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.strftime("%H:%M:%S.") + f"{v.microsecond // 1000:03d}"
    if isinstance(v, (bytes, bytearray, memoryview)):
        return " ".join(f"{b:02x}" for b in bytes(v))
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(athena_text(x, True) or "" for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{athena_text(k, True)}={athena_text(x, True)}"
                               for k, x in v.items()) + "}"
    return str(v)


def run_duckdb(con, sql: str) -> tuple[dict[str, Any], float, int]:
    """Runs one statement on its own cursor: (moto result set, engine ms, data rows)."""
    cur = con.cursor()
    try:
        t0 = time.perf_counter()
        cur.execute(sql)
        desc = cur.description
        rows = cur.fetchall() if desc else []
        ms = (time.perf_counter() - t0) * 1000.0
    finally:
        cur.close()
    if not desc:
        return {"rows": [], "column_info": []}, ms, 0
    names = [d[0].lower() for d in desc]  # Trino's column names are lower case
    infos = []
    for name, d in zip(names, desc):
        at, precision, scale = athena_type(str(d[1]))
        infos.append({"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": name,
                      "Label": name, "Type": at, "Precision": precision, "Scale": scale,
                      "Nullable": "UNKNOWN", "CaseSensitive": at == "varchar"})
    out_rows = [{"Data": [{"VarCharValue": n} for n in names]}]
    for row in rows:
        data = []
        for v in row:
            text = athena_text(v)
            data.append({} if text is None else {"VarCharValue": text})
        out_rows.append({"Data": data})
    return {"rows": out_rows, "column_info": infos}, ms, len(rows)


EMPTY_RESULT = {"rows": [], "column_info": []}


# --------------------------------------------------------------------------------------------
# The proxy
# --------------------------------------------------------------------------------------------

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailer", "transfer-encoding", "upgrade", "expect", "content-length"}
FINAL_STATES = ("SUCCEEDED", "FAILED", "CANCELLED")
DEFAULT_CONFIG = {"page_size": None, "fail_next": None, "hold_running": False,
                  "data_scanned_bytes": None, "queue_polls": 1, "running_polls": 1}
CANCEL_REASON = "Query cancelled by user"


class Execution:
    def __init__(self, **kw: Any) -> None:
        self.id: str = ""
        self.query: str = kw["query"]
        self.parameters = kw["parameters"]
        self.database = kw["database"]
        self.catalog = kw["catalog"]
        self.workgroup = kw["workgroup"]
        self.output_location = kw["output_location"]
        self.token = kw["token"]
        self.region = kw["region"]
        self.account = kw["account"]
        self.statement_type = "DDL" if is_ddl(self.query) else "DML"
        self.source = "duckdb"  # duckdb | ddl | seed | fail_next
        self.queue_polls = 1
        self.running_polls = 1
        self.state = "QUEUED"
        self.polls = 0
        self.stopped = False
        self.duckdb_sql: str | None = None
        self.error: str | None = None
        self.engine_ms = 0.0
        self.rows = 0
        self.pages_served = 0
        self.results: dict[str, Any] | None = None  # the full result set, fetched from moto

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "query": self.query, "parameters": self.parameters,
                "database": self.database, "catalog": self.catalog,
                "workgroup": self.workgroup, "output_location": self.output_location,
                "state": self.state, "polls": self.polls, "stopped": self.stopped,
                "duckdb_sql": self.duckdb_sql, "error": self.error,
                "pages_served": self.pages_served, "statement_type": self.statement_type,
                "source": self.source, "engine_ms": round(self.engine_ms, 3),
                "rows": self.rows, "region": self.region, "account": self.account}


class Harness:
    def __init__(self, con, moto_port: int, data_bytes: int, verbose: bool, table: str,
                 database: str) -> None:
        self.con = con
        self.table = table
        self.databases = {database.lower()}  # schemas holding a view of the table
        self.ddl_lock = threading.Lock()
        self.moto_port = moto_port
        self.data_bytes = data_bytes
        self.verbose = verbose
        self.lock = threading.Lock()  # config, log, executions
        self.start_lock = threading.Lock()  # seed + StartQueryExecution, atomically
        self.config = dict(DEFAULT_CONFIG)
        self.seeds: list[dict[str, Any]] = []
        self.log: list[Execution] = []
        self.executions: dict[str, Execution] = {}
        self.tokens: dict[str, tuple[str, str]] = {}  # ClientRequestToken -> (request key, id)

    def add_databases(self, names: set[str]) -> None:
        """Makes `db.<table>` resolve for a database the SQL names (Athena's `hosp_logs`, ...):
        a schema with a view of the table."""
        with self.ddl_lock:
            for name in names - self.databases:
                quoted = name.replace('"', '""')
                self.con.execute(f'CREATE SCHEMA IF NOT EXISTS "{quoted}"')
                self.con.execute(f'CREATE OR REPLACE VIEW "{quoted}"."{self.table}" AS '
                                 f'SELECT * FROM main."{self.table}"')
                self.databases.add(name)

    # ---- moto -------------------------------------------------------------------------------

    def moto(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes):
        conn = http.client.HTTPConnection(HOST, self.moto_port, timeout=120)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for k, v in headers:
                if k.lower() not in HOP_BY_HOP:
                    conn.putheader(k, v)
            if body or method in ("POST", "PUT", "PATCH"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body or None)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp.getheaders(), data
        finally:
            conn.close()

    def moto_json(self, path: str, payload: Any) -> None:
        body = json.dumps(payload).encode()
        status, _, data = self.moto("POST", path, [("Host", f"{HOST}:{self.moto_port}"),
                                                   ("Content-Type", "application/json")], body)
        if status >= 300:
            raise RuntimeError(f"moto {path}: HTTP {status}: {data[:500]!r}")

    @staticmethod
    def backend(account: str, region: str):
        from moto.athena.models import athena_backends

        return athena_backends[account][region]

    # ---- StartQueryExecution ----------------------------------------------------------------

    def start(self, raw_headers, body: bytes):
        req = json.loads(body or b"{}")
        query = req.get("QueryString") or ""
        params = req.get("ExecutionParameters")
        ctx = req.get("QueryExecutionContext") or {}
        token = req.get("ClientRequestToken")
        key = json.dumps([query, params, ctx, req.get("WorkGroup"),
                          req.get("ResultConfiguration")], sort_keys=True)
        if token:
            with self.lock:
                seen = self.tokens.get(token)
            if seen is not None:
                if seen[0] != key:
                    return error_response(400, "InvalidRequestException",
                                          "Idempotent parameters do not match the earlier "
                                          "request with this ClientRequestToken")
                return json_response(200, {"QueryExecutionId": seen[1]})
        ex = Execution(query=query, parameters=params, database=ctx.get("Database"),
                       catalog=ctx.get("Catalog"), workgroup=req.get("WorkGroup"),
                       output_location=(req.get("ResultConfiguration") or {}).get("OutputLocation"),
                       token=token, region=region_of(raw_headers), account=account_of(raw_headers))
        with self.lock:
            fail = self.config["fail_next"]
            self.config["fail_next"] = None
            seed = self.seeds.pop(0) if self.seeds else None
            ex.queue_polls = self.config["queue_polls"]
            ex.running_polls = self.config["running_polls"]
        result: dict[str, Any] = EMPTY_RESULT
        if fail is not None:
            ex.source, ex.error = "fail_next", str(fail)
        elif seed is not None:
            ex.source, result = "seed", seed
            ex.rows = max(0, len(seed.get("rows", [])) - 1)
        elif ex.statement_type == "DDL":
            ex.source = "ddl"
        else:
            try:
                ex.duckdb_sql, databases = transpile(bind_parameters(query, params), self.table)
                self.add_databases(databases)
                result, ex.engine_ms, ex.rows = run_duckdb(self.con, ex.duckdb_sql)
            except Exception as e:  # QueryError, sqlglot's and DuckDB's errors
                ex.error = str(e).strip() or type(e).__name__
                result = EMPTY_RESULT
        with self.start_lock:
            backend = self.backend(ex.account, ex.region)
            before = len(backend.query_results_queue)
            try:
                self.moto_json("/moto-api/static/athena/query-results",
                               {"account_id": ex.account, "region": ex.region,
                                "results": [result]})
                status, rh, data = self.moto("POST", "/", raw_headers, body)
            except Exception:
                del backend.query_results_queue[before:]
                raise
            qid = None
            if status == 200:
                try:
                    qid = json.loads(data).get("QueryExecutionId")
                except ValueError:
                    qid = None
            if qid is None:
                # moto refused the start: take our seed back so it cannot go to the next query
                del backend.query_results_queue[before:]
                log(f"StartQueryExecution refused by moto: HTTP {status} {data[:300]!r}")
                return status, rh, data
            if qid not in backend.query_results:
                log(f"warning: moto put query {qid} in another account/region than "
                    f"{ex.account}/{ex.region}; its results will be empty")
            ex.id = qid
            with self.lock:
                self.executions[qid] = ex
                self.log.append(ex)
                if token:
                    self.tokens[token] = (key, qid)
        if self.verbose or ex.error:
            log(f"start {qid} [{ex.source}] rows={ex.rows} ms={ex.engine_ms:.1f}"
                + (f" error={ex.error!r}" if ex.error else ""))
        return status, rh, data

    # ---- GetQueryExecution ------------------------------------------------------------------

    def advance(self, ex: Execution) -> str:
        """One poll: QUEUED for queue_polls polls, RUNNING for running_polls polls (for ever
        while hold_running), then the final state. Never goes back."""
        ex.polls += 1
        if ex.state in FINAL_STATES:
            return ex.state
        if ex.polls <= ex.queue_polls:
            ex.state = "QUEUED"
        elif self.config["hold_running"] or ex.polls <= ex.queue_polls + ex.running_polls:
            ex.state = "RUNNING"
        else:
            ex.state = "FAILED" if ex.error is not None else "SUCCEEDED"
        return ex.state

    def get_execution(self, qid, raw_headers, body):
        status, rh, data = self.moto("POST", "/", raw_headers, body)
        with self.lock:
            ex = self.executions.get(qid)
            if ex is None or status != 200:
                return status, rh, data
            state = self.advance(ex)
            doc = json.loads(data)
            qe = doc.setdefault("QueryExecution", {})
            qe["StatementType"] = ex.statement_type
            st = qe.setdefault("Status", {})
            st["State"] = state
            if state not in FINAL_STATES:
                st.pop("CompletionDateTime", None)
            if state == "FAILED":
                st["StateChangeReason"] = ex.error
                st["AthenaError"] = {"ErrorCategory": 2, "ErrorType": 1001,
                                     "Retryable": False, "ErrorMessage": ex.error}
            elif state == "CANCELLED":
                st["StateChangeReason"] = CANCEL_REASON
            stats = qe.setdefault("Statistics", {})
            if state in FINAL_STATES:
                scanned = self.config["data_scanned_bytes"]
                if scanned is None:
                    scanned = 0 if ex.statement_type == "DDL" else self.data_bytes
                engine = int(round(ex.engine_ms))
                stats["DataScannedInBytes"] = scanned
                stats["EngineExecutionTimeInMillis"] = engine
                stats["TotalExecutionTimeInMillis"] = engine
            return 200, rh, json.dumps(doc).encode()

    # ---- GetQueryResults --------------------------------------------------------------------

    def get_results(self, req, raw_headers, body):
        qid = req.get("QueryExecutionId")
        with self.lock:
            ex = self.executions.get(qid)
            state = ex.state if ex else None
            cached = ex.results if ex else None
        if ex is None:
            return self.moto("POST", "/", raw_headers, body)
        if state != "SUCCEEDED":
            return error_response(400, "InvalidRequestException",
                                  f"Query has not yet finished. Current state: {state}")
        if cached is None:
            status, rh, data = self.moto("POST", "/", raw_headers, body)
            if status != 200:
                return status, rh, data
            rs = json.loads(data).get("ResultSet") or {}
            cached = {"rows": rs.get("Rows") or [],
                      "meta": rs.get("ResultSetMetadata") or {"ColumnInfo": []}}
            with self.lock:
                if ex.results is None:
                    ex.results = cached
                cached = ex.results
        rows = cached["rows"]
        token = req.get("NextToken")
        offset = 0
        if token:
            offset = decode_token(token, qid, len(rows))
            if offset is None:
                return error_response(400, "InvalidRequestException",
                                      "The NextToken is not valid for this query")
        max_results = req.get("MaxResults") or 1000
        with self.lock:
            page_size = self.config["page_size"]
        size = max(1, min(int(max_results), int(page_size or max_results)))
        page = rows[offset : offset + size]
        doc: dict[str, Any] = {"UpdateCount": 0,
                               "ResultSet": {"Rows": page, "ResultSetMetadata": cached["meta"]}}
        if offset + size < len(rows):
            doc["NextToken"] = encode_token(qid, offset + size)
        with self.lock:
            ex.pages_served += 1
        return json_response(200, doc)

    # ---- StopQueryExecution -----------------------------------------------------------------

    def stop(self, qid, raw_headers, body):
        with self.lock:
            ex = self.executions.get(qid)
            if ex is not None and ex.state in FINAL_STATES:
                # Athena leaves a finished query as it is; moto would flip it to CANCELLED
                ex.stopped = True
                return json_response(200, {})
        status, rh, data = self.moto("POST", "/", raw_headers, body)
        if ex is not None and status == 200:
            with self.lock:
                ex.stopped = True
                if ex.state not in FINAL_STATES:
                    ex.state = "CANCELLED"
        return status, rh, data

    # ---- control API ------------------------------------------------------------------------

    def control(self, method: str, path: str, body: bytes):
        route = path.split("?", 1)[0].rstrip("/")
        try:
            payload = json.loads(body) if body.strip() else None
        except ValueError as e:
            return json_response(400, {"error": f"bad JSON: {e}"})
        with self.lock:
            if route == "/harness/log" and method == "GET":
                return json_response(200, [e.to_json() for e in self.log])
            if route == "/harness/config" and method == "GET":
                return json_response(200, dict(self.config, pending_seeds=len(self.seeds)))
            if route == "/harness/config" and method == "POST":
                problem = check_config(payload)
                if problem:
                    return json_response(400, {"error": problem})
                self.config.update(payload)
                return json_response(200, dict(self.config))
            if route == "/harness/reset" and method == "POST":
                self.config = dict(DEFAULT_CONFIG)
                self.log.clear()
                self.seeds.clear()
                return json_response(200, dict(self.config))
            if route == "/harness/seed" and method == "POST":
                results = payload.get("results") if isinstance(payload, dict) else payload
                if not isinstance(results, list) or not all(
                        isinstance(r, dict) and isinstance(r.get("rows"), list) for r in results):
                    return json_response(400, {"error": "expected {\"results\": [{\"rows\": "
                                                        "[...], \"column_info\": [...]}, ...]}"})
                self.seeds.extend(results)
                return json_response(200, {"pending_seeds": len(self.seeds)})
        return json_response(404, {"error": f"no control route {method} {route}"})


def check_config(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return "expected a JSON object"
    for k, v in payload.items():
        if k not in DEFAULT_CONFIG:
            return f"unknown setting {k!r} (known: {', '.join(DEFAULT_CONFIG)})"
        if k in ("page_size", "data_scanned_bytes"):
            if v is not None and (type(v) is not int or v < (1 if k == "page_size" else 0)):
                return f"{k} must be null or an int >= {1 if k == 'page_size' else 0}"
        elif k in ("queue_polls", "running_polls"):
            if type(v) is not int or v < 0:
                return f"{k} must be an int >= 0"
        elif k == "hold_running":
            if type(v) is not bool:
                return "hold_running must be true or false"
        elif k == "fail_next":
            if v is not None and not isinstance(v, str):
                return "fail_next must be null or a string"
    return None


def encode_token(qid: str, offset: int) -> str:
    raw = json.dumps({"q": qid, "o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, qid: str, nrows: int) -> int | None:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        doc = json.loads(raw)
        offset = doc["o"]
        if doc["q"] != qid or type(offset) is not int or not 0 < offset < nrows:
            return None
        return offset
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None


def json_response(status: int, doc: Any):
    ctype = "application/x-amz-json-1.1"
    return status, [("Content-Type", ctype),
                    ("x-amzn-RequestId", str(uuid.uuid4()))], json.dumps(doc).encode()


def error_response(status: int, kind: str, message: str):
    return json_response(status, {"__type": kind, "Message": message})


def header(headers, name: str) -> str | None:
    name = name.lower()
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


UNSIGNED_ATHENA_AUTH = ("AWS4-HMAC-SHA256 "
                        "Credential=harness/20260101/us-east-1/athena/aws4_request, "
                        "SignedHeaders=host, Signature=0")
REGION_IN_HOST = re.compile(r"\.(?P<region>[^.]+)\.amazonaws\.com")
REGION_IN_UA = re.compile(r"region/(?P<region>[a-z]{2}-[a-z]+-\d{1})")
AKID = re.compile(r"Credential=([^/,\s]+)/")


def region_of(headers) -> str:
    """The region moto will file the request under (BaseResponse.get_region_from_url): the
    Host, then the User-Agent, then the SigV4 credential scope."""
    m = REGION_IN_HOST.search(header(headers, "Host") or "")
    if m:
        return m.group("region")
    m = REGION_IN_UA.search(header(headers, "User-Agent") or "")
    if m:
        return m.group("region")
    auth = header(headers, "Authorization") or ""
    if "AWS4" in auth:
        try:
            return auth.split(",")[0].split("/")[2]
        except IndexError:
            pass
    return DEFAULT_REGION


def account_of(headers) -> str:
    """The account moto will file the request under (BaseResponse.get_current_account)."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    forced = header(headers, "x-moto-account-id")
    if forced:
        return forced
    m = AKID.search(header(headers, "Authorization") or "")
    if m:
        from moto.iam.models import get_account_id_from

        return get_account_id_from(m.group(1))
    return DEFAULT_ACCOUNT


def make_handler(h: Harness):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "athena-harness"

        def log_message(self, fmt: str, *args: Any) -> None:
            if h.verbose:
                log("proxy: " + fmt % args)

        def read_body(self) -> bytes:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        break
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                return b"".join(chunks)
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def reply(self, status: int, headers, body: bytes) -> None:
            if h.verbose:
                target = self.headers.get("X-Amz-Target") or ""
                log(f"proxy: {self.command} {self.path} {target} -> {status}")
            self.send_response_only(status)
            length = None
            for k, v in headers:
                lk = k.lower()
                if lk == "content-length":
                    length = v
                elif lk not in HOP_BY_HOP:
                    self.send_header(k, v)
            if self.command == "HEAD" and length is not None:
                self.send_header("Content-Length", length)
            else:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD" and body:
                self.wfile.write(body)

        def handle_any(self) -> None:
            try:
                body = self.read_body()
                raw_headers = list(self.headers.items())
                if self.path.startswith("/harness/") or self.path == "/harness":
                    self.reply(*h.control(self.command, self.path, body))
                    return
                target = self.headers.get("X-Amz-Target") or ""
                if self.command == "POST" and target.startswith("AmazonAthena."):
                    op = target.split(".", 1)[1]
                    self.reply(*self.athena(op, raw_headers, body))
                    return
                self.reply(*h.moto(self.command, self.path, raw_headers, body))
            except (BrokenPipeError, ConnectionResetError):
                pass
            except Exception as e:  # never leave the client hanging
                log(f"proxy error on {self.command} {self.path}: {type(e).__name__}: {e}")
                try:
                    self.reply(*error_response(500, "InternalServerException",
                                               f"athena harness: {type(e).__name__}: {e}"))
                except OSError:
                    pass

        def athena(self, op: str, raw_headers, body: bytes):
            if "AWS4" not in (header(raw_headers, "Authorization") or ""):
                # moto tells the service of an unsigned request by its X-Amz-Target, but not for
                # Athena (it would answer as S3): give it a credential scope that says athena
                raw_headers = [(k, v) for k, v in raw_headers if k.lower() != "authorization"]
                raw_headers.append(("Authorization", UNSIGNED_ATHENA_AUTH))
            if op == "StartQueryExecution":
                return h.start(raw_headers, body)
            if op in ("GetQueryExecution", "GetQueryResults", "StopQueryExecution"):
                req = json.loads(body or b"{}")
                qid = req.get("QueryExecutionId")
                if qid not in h.executions and qid not in h.backend(
                        account_of(raw_headers), region_of(raw_headers)).executions:
                    # moto would answer with a 500 (KeyError); Athena answers 400
                    return error_response(400, "InvalidRequestException",
                                          f"QueryExecution {qid} was not found")
                if op == "GetQueryExecution":
                    out = h.get_execution(qid, raw_headers, body)
                elif op == "GetQueryResults":
                    out = h.get_results(req, raw_headers, body)
                else:
                    out = h.stop(qid, raw_headers, body)
                return out
            return h.moto("POST", "/", raw_headers, body)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = handle_any

    return Handler


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ddl", required=True, help="the CREATE EXTERNAL TABLE file")
    ap.add_argument("--logs", action="append", required=True,
                    help="a folder (walked for *.log, *.log.gz) or a file; repeatable")
    ap.add_argument("--table", default="alb_access_logs")
    ap.add_argument("--database", default="hosp", help="schema holding a view of the table")
    ap.add_argument("--port", type=int, default=0, help="proxy port (default: a free one)")
    ap.add_argument("--moto-port", type=int, default=0, help="moto port (default: a free one)")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                    help="processes parsing the logs")
    ap.add_argument("--cache-dir", help="keep the parsed table here (Parquet), keyed by the "
                    "DDL, this script and the log files' paths, sizes and mtimes")
    ap.add_argument("--no-stdin", action="store_true",
                    help="do not exit at EOF on stdin (run until SIGTERM/SIGINT)")
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = ap.parse_args()

    t0 = time.monotonic()
    try:
        ddl = parse_ddl(Path(args.ddl).read_text(encoding="utf-8"))
        con, stats = load_logs(ddl, args.logs, args.table, args.database, max(1, args.jobs),
                               args.cache_dir)
    except Exception as e:
        log(f"cannot load the data: {type(e).__name__}: {e}")
        return 2
    t_loaded = time.monotonic()

    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.ERROR)
    from moto.moto_api import state_manager
    from moto.server import ThreadedMotoServer

    moto = ThreadedMotoServer(ip_address=HOST, port=args.moto_port, verbose=False)
    moto.start()
    moto_port = moto.get_host_and_port()[1]
    harness = Harness(con, moto_port, stats["bytes"], args.verbose, args.table, args.database)
    # moto's own state machine stays "immediate" (always SUCCEEDED, so its GetQueryResults
    # answers); the proxy drives QUEUED -> RUNNING -> final itself.
    harness.moto_json("/moto-api/state-manager/set-transition",
                      {"model_name": "athena::execution",
                       "transition": {"progression": "immediate"}})
    if not state_manager.get_transition("athena::execution")["progression"] == "immediate":
        raise RuntimeError("moto did not take the immediate transition")
    # import now what the first requests would otherwise wait for
    harness.backend(DEFAULT_ACCOUNT, DEFAULT_REGION)
    transpile("SELECT 1")

    proxy = ThreadingHTTPServer((HOST, args.port), make_handler(harness))
    proxy.daemon_threads = True
    proxy_thread = threading.Thread(target=proxy.serve_forever, args=(0.1,), name="proxy",
                                    daemon=True)
    proxy_thread.start()

    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    if not args.no_stdin:
        def watch_stdin() -> None:
            try:
                while sys.stdin.buffer.read(65536):
                    pass
            except (OSError, ValueError):
                pass
            done.set()

        threading.Thread(target=watch_stdin, name="stdin", daemon=True).start()

    log(f"{stats['files']} files, {stats['rows']} lines ({stats['unmatched']} unmatched), "
        f"{stats['bytes']} bytes from {stats['source']}; parsed in "
        f"{stats['parse_seconds']:.2f}s, loaded in {stats['seconds']:.2f}s; ready in "
        f"{time.monotonic() - t0:.2f}s (moto {time.monotonic() - t_loaded:.2f}s)")
    print(json.dumps({"endpoint": f"http://{HOST}:{proxy.server_address[1]}",
                      "moto": f"http://{HOST}:{moto_port}",
                      "rows": stats["rows"], "unmatched": stats["unmatched"]}), flush=True)

    while not done.wait(0.2):
        pass
    log("shutting down")
    proxy.shutdown()
    proxy.server_close()
    moto.stop()
    con.close()
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # skip interpreter teardown: the servers are down, and DuckDB's bindings print
    # reference-leak noise when their module is torn down
    os._exit(code)
