"""The ``ragbot`` command line: the operator's tool. Without ``--scope`` it sees every scope.

Stable interface (other tools rely on it)::

    ragbot ingest PATH... [--scope S] [--json]
    ragbot search "QUESTION" [--k K] [--scope S] [--mode hybrid|dense|bm25] [--json]
    ragbot ask "QUESTION" [--scope S] [--json]
    ragbot docs list [--scope S] [--json]
    ragbot docs forget DOC_ID
    ragbot stats [--json]

The Slack bot adds ``ragbot serve`` (see ``bot/cli.py``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from rag.errors import RagError
from rag.formats import EXTENSION_FORMATS
from rag.knowledge_base import KnowledgeBase
from rag.models import GLOBAL_SCOPE, IngestReceipt
from rag.settings import Settings

Handler = Callable[[argparse.Namespace, Console], int]


def build_parser() -> tuple[argparse.ArgumentParser, Any]:
    """The parser and its subparsers action, so the bot can add ``serve``."""
    parser = argparse.ArgumentParser(prog="ragbot", description="Documents in, cited answers out.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="add files or folders to the knowledge base")
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    ingest.add_argument(
        "--scope", action="append", help=f"who may see them (repeatable; default {GLOBAL_SCOPE})"
    )
    ingest.add_argument("--json", action="store_true", help="print one JSON receipt per file")
    ingest.set_defaults(handler=cmd_ingest)

    search = sub.add_parser("search", help="show the passages that best match a question")
    search.add_argument("question")
    search.add_argument("--k", type=int, default=None, help="number of hits")
    search.add_argument("--scope", action="append", help="restrict to these scopes")
    search.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    search.add_argument("--json", action="store_true")
    search.set_defaults(handler=cmd_search)

    ask = sub.add_parser("ask", help="answer a question with cited sources")
    ask.add_argument("question")
    ask.add_argument("--scope", action="append", help="restrict to these scopes")
    ask.add_argument("--json", action="store_true")
    ask.set_defaults(handler=cmd_ask)

    docs = sub.add_parser("docs", help="list or forget documents")
    docs_sub = docs.add_subparsers(dest="docs_command", required=True)
    docs_list = docs_sub.add_parser("list", help="list documents")
    docs_list.add_argument("--scope", action="append", help="only documents visible here")
    docs_list.add_argument("--json", action="store_true")
    docs_list.set_defaults(handler=cmd_docs_list)
    forget = docs_sub.add_parser("forget", help="remove a document and its chunks")
    forget.add_argument("doc_id")
    forget.set_defaults(handler=cmd_docs_forget)

    stats = sub.add_parser("stats", help="counts and configuration")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(handler=cmd_stats)
    return parser, sub


def main(argv: Sequence[str] | None = None, parser: argparse.ArgumentParser | None = None) -> int:
    parser = parser or build_parser()[0]
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    console = Console(stderr=True)
    try:
        return int(args.handler(args, console))
    except RagError as err:
        console.print(f"[red]error:[/red] {err}")
        return 2
    except KeyboardInterrupt:
        return 130


def _kb() -> KnowledgeBase:
    return KnowledgeBase(Settings())


def _emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


# --- ingest -------------------------------------------------------------------------------
def expand_paths(paths: Sequence[Path]) -> Iterator[Path]:
    """Files as given, and every supported file under the given folders (sorted)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in EXTENSION_FORMATS
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            yield path


def cmd_ingest(args: argparse.Namespace, console: Console) -> int:
    files = list(expand_paths(args.paths))
    scopes = args.scope or [GLOBAL_SCOPE]
    failures = 0
    kb = _kb()
    try:
        with _progress(console, quiet=args.json) as progress:
            task = progress.add_task("ingesting", total=len(files))
            for path in files:
                progress.update(task, description=path.name)
                label = path.name
                result = _ingest_one(
                    kb,
                    path,
                    scopes,
                    lambda step, label=label: progress.update(  # type: ignore[misc]
                        task, description=f"{label}: {step}"
                    ),
                )
                failures += "error" in result
                _report(result, args.json, console)
                progress.advance(task)
    finally:
        kb.close()
    if not args.json:
        console.print(f"{len(files) - failures} of {len(files)} file(s) ingested")
    return 1 if failures else 0


def _ingest_one(
    kb: KnowledgeBase, path: Path, scopes: list[str], step: Callable[[str], None]
) -> dict[str, Any]:
    try:
        if not path.exists():
            return {"path": str(path), "error": "file not found"}
        receipt: IngestReceipt = kb.ingest_path(path, scopes=scopes, progress=step)
        return {"path": str(path), **receipt.to_dict()}
    except RagError as err:
        return {"path": str(path), "error": err.user_message, "detail": str(err)}


def _report(result: dict[str, Any], as_json: bool, console: Console) -> None:
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    elif "error" in result:
        console.print(f"[red]✗[/red] {result['path']}: {result['error']}")
    else:
        console.print(
            f"[green]✓[/green] {result['source']}: {result['outcome']}, {result['pages']} pages, "
            f"{result['chunks']} chunks, {result['tables']} tables, {result['seconds']:.2f}s"
        )


def _progress(console: Console, quiet: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=quiet or not console.is_terminal,
    )


# --- questions ----------------------------------------------------------------------------
def cmd_search(args: argparse.Namespace, console: Console) -> int:
    kb = _kb()
    try:
        hits = kb.search(args.question, args.scope, k=args.k, mode=args.mode)
    finally:
        kb.close()
    if args.json:
        _emit_json([hit.to_dict() for hit in hits])
        return 0
    for n, hit in enumerate(hits, start=1):
        pages = f" p.{','.join(map(str, hit.pages))}" if hit.pages else ""
        console.print(f"[bold][{n}][/bold] {hit.source}{pages}  score={hit.score:.4f}")
        console.print(f"    {' '.join(hit.text.split())[:300]}")
    if not hits:
        console.print("no matches")
    return 0


def cmd_ask(args: argparse.Namespace, console: Console) -> int:
    kb = _kb()
    try:
        stream = kb.stream_answer(args.question, args.scope)
        if args.json:
            _emit_json(stream.answer.to_dict())
            return 0
        for delta in stream:
            sys.stdout.write(delta)
            sys.stdout.flush()
        sys.stdout.write("\n")
        answer = stream.answer
    finally:
        kb.close()
    shown = answer.cited or (answer.sources if answer.kind == "extractive" else [])
    if shown:
        sys.stdout.write("\nSources:\n")
    for source in shown:
        page = f", {source.page_label}" if source.page_label else ""
        sys.stdout.write(f"  [{source.number}] {source.source}{page}\n")
    return 0


# --- documents ----------------------------------------------------------------------------
def cmd_docs_list(args: argparse.Namespace, console: Console) -> int:
    kb = _kb()
    try:
        docs = kb.documents(args.scope)
    finally:
        kb.close()
    if args.json:
        _emit_json([doc.to_dict() for doc in docs])
        return 0
    table = Table("doc_id", "source", "scopes", "pages", "chunks", "status")
    for doc in docs:
        table.add_row(
            doc.doc_id,
            doc.source,
            ",".join(doc.scopes),
            str(doc.pages),
            str(doc.chunks),
            doc.status,
        )
    Console().print(table)
    return 0


def cmd_docs_forget(args: argparse.Namespace, console: Console) -> int:
    kb = _kb()
    try:
        found = kb.forget(args.doc_id)
    finally:
        kb.close()
    console.print(f"forgot {args.doc_id}" if found else f"no document {args.doc_id}")
    return 0 if found else 1


def cmd_stats(args: argparse.Namespace, console: Console) -> int:
    kb = _kb()
    try:
        stats = kb.stats()
    finally:
        kb.close()
    if args.json:
        _emit_json(stats)
    else:
        for key, value in stats.items():
            console.print(f"{key:>16}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
