"""The ``ragbot`` command line: the operator's tool. Without ``--scope`` it sees every scope.

Stable interface (other tools rely on it)::

    ragbot ingest PATH|URL... [--scope S] [--team T] [--json]
    ragbot search "QUESTION" [--k K] [--scope S] [--team T] [--mode hybrid|dense|bm25] [--json]
    ragbot ask "QUESTION" [--scope S] [--team T] [--json]
    ragbot docs list [--scope S] [--team T] [--json]
    ragbot docs forget DOC_ID [--team T]
    ragbot docs gc
    ragbot stats [--team T] [--json]
    ragbot models download

``--team`` names the tenant (a workspace or organisation id when the bot serves many); without it
the commands work on the default tenant, the one a single-workspace bot and the CLI use.

The Slack bot adds ``ragbot serve`` and ``ragbot worker`` (see ``bot/cli.py``).

Output: results on stdout (receipts, hits, answers, tables, JSON), progress, notes and errors on
stderr. ``-v`` adds the libraries' INFO logs (Docling, Alembic) and their warnings; ``-q`` leaves
only errors on stderr and prints no receipt for a file that went in.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from rag import render
from rag.errors import RagError
from rag.fetch import is_url
from rag.formats import EXTENSION_FORMATS
from rag.knowledge_base import KnowledgeBase
from rag.models import GLOBAL_SCOPE, IngestReceipt, plural
from rag.registry import DEFAULT_TENANT
from rag.settings import Settings

Handler = Callable[[argparse.Namespace, Console], int]
QUIET, NORMAL, VERBOSE = -1, 0, 1
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries that log routine INFO lines (one per document, one per migration step).
CHATTY_LOGGERS = ("docling", "docling_core", "alembic", "httpx", "sentence_transformers")


def verbosity_options(*, top_level: bool) -> argparse.ArgumentParser:
    """``-v``/``-q``, accepted before and after the subcommand (``ragbot ingest x -q``)."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_mutually_exclusive_group()
    default = NORMAL if top_level else argparse.SUPPRESS
    group.add_argument(
        "-v",
        "--verbose",
        dest="verbosity",
        action="store_const",
        const=VERBOSE,
        default=default,
        help="also show the libraries' progress logs and warnings",
    )
    group.add_argument(
        "-q",
        "--quiet",
        dest="verbosity",
        action="store_const",
        const=QUIET,
        default=default,
        help="show only errors (and the results asked for)",
    )
    return parent


def build_parser() -> tuple[argparse.ArgumentParser, Any]:
    """The parser and its subparsers action, so the bot can add ``serve``."""
    parser = argparse.ArgumentParser(
        prog="ragbot",
        description="Documents in, cited answers out.",
        parents=[verbosity_options(top_level=True)],
    )
    sub = parser.add_subparsers(dest="command", required=True)
    common = [verbosity_options(top_level=False)]
    tenant = tenant_option()

    ingest = sub.add_parser(
        "ingest",
        help="add files, folders or web pages to the knowledge base",
        parents=[*common, tenant],
    )
    ingest.add_argument("paths", nargs="+", metavar="PATH|URL", help="files, folders, http(s) URLs")
    ingest.add_argument(
        "--scope", action="append", help=f"who may see them (repeatable; default {GLOBAL_SCOPE})"
    )
    ingest.add_argument("--json", action="store_true", help="print one JSON receipt per file")
    ingest.set_defaults(handler=cmd_ingest)

    search = sub.add_parser(
        "search", help="show the passages that best match a question", parents=[*common, tenant]
    )
    search.add_argument("question")
    search.add_argument("--k", type=int, default=None, help="number of hits")
    search.add_argument("--scope", action="append", help="restrict to these scopes")
    search.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    search.add_argument("--json", action="store_true")
    search.set_defaults(handler=cmd_search)

    ask = sub.add_parser(
        "ask", help="answer a question with cited sources", parents=[*common, tenant]
    )
    ask.add_argument("question")
    ask.add_argument("--scope", action="append", help="restrict to these scopes")
    ask.add_argument("--json", action="store_true")
    ask.set_defaults(handler=cmd_ask)

    docs = sub.add_parser("docs", help="list or forget documents", parents=common)
    docs_sub = docs.add_subparsers(dest="docs_command", required=True)
    docs_list = docs_sub.add_parser("list", help="list documents", parents=[*common, tenant])
    docs_list.add_argument("--scope", action="append", help="only documents visible here")
    docs_list.add_argument("--json", action="store_true")
    docs_list.set_defaults(handler=cmd_docs_list)
    forget = docs_sub.add_parser(
        "forget", help="remove a document and its chunks", parents=[*common, tenant]
    )
    forget.add_argument("doc_id")
    forget.set_defaults(handler=cmd_docs_forget)
    gc = docs_sub.add_parser(
        "gc",
        help="delete chunks no document points at (left by a crash); ingestions in flight are "
        "left alone",
        parents=common,
    )
    gc.set_defaults(handler=cmd_docs_gc)

    stats = sub.add_parser(
        "stats", help="counts (per team) and configuration", parents=[*common, tenant]
    )
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(handler=cmd_stats)

    models = sub.add_parser("models", help="model files for offline use", parents=common)
    models_sub = models.add_subparsers(dest="models_command", required=True)
    download = models_sub.add_parser(
        "download",
        help="fetch Docling's layout, table and OCR models and the embedding model, so this "
        "machine can work offline (and better-read PDFs with RAGBOT_PDF_PIPELINE=auto)",
        parents=common,
    )
    download.set_defaults(handler=cmd_models_download)
    return parser, sub


def tenant_option() -> argparse.ArgumentParser:
    """``--team T``: work on one tenant's documents (default: the default tenant)."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--team",
        "--tenant",
        dest="tenant",
        default=DEFAULT_TENANT,
        metavar="T",
        help="the team (tenant) whose documents to use; default: the default tenant",
    )
    return parent


def configure_output(verbosity: int) -> None:
    """Logs and warnings on stderr: WARNING by default, INFO with ``-v``, ERROR with ``-q``.

    Docling and Alembic log routine INFO lines and Milvus Lite's import warns about
    ``pkg_resources``: none of it says anything to act on, so only ``-v`` shows it.
    """
    level = {QUIET: logging.ERROR, NORMAL: logging.WARNING}.get(verbosity, logging.INFO)
    logging.basicConfig(level=level, format=LOG_FORMAT)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.INFO))
    if verbosity < VERBOSE:
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
    if verbosity == QUIET:
        warnings.simplefilter("ignore")


def main(argv: Sequence[str] | None = None, parser: argparse.ArgumentParser | None = None) -> int:
    parser = parser or build_parser()[0]
    args = parser.parse_args(argv)
    configure_output(args.verbosity)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        return int(args.handler(args, console))
    except RagError as err:
        detail = f" ({err})" if str(err) != err.user_message else ""
        console.print(f"error: {err.user_message}{detail}", markup=False)
        return 2
    except KeyboardInterrupt:
        return 130


def _kb() -> KnowledgeBase:
    return KnowledgeBase(Settings())


def _open(args: argparse.Namespace) -> KnowledgeBase:
    """The knowledge base as the ``--team`` tenant sees it; close it with ``close_kb``."""
    return _kb().for_tenant(getattr(args, "tenant", DEFAULT_TENANT))


def close_kb(kb: KnowledgeBase) -> None:
    kb.root.close()


def _emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _out(text: str) -> None:
    """A result line on stdout (plain text: names are never read as markup)."""
    sys.stdout.write(text + "\n")


def _note(console: Console, args: argparse.Namespace, text: str) -> None:
    """Something for the person at the terminal, on stderr; silent with ``-q``."""
    if args.verbosity > QUIET:
        console.print(text, markup=False)


# --- ingest -------------------------------------------------------------------------------
def expand_paths(targets: Sequence[str | Path]) -> Iterator[str | Path]:
    """URLs and files as given, and every supported file under the given folders (sorted)."""
    for target in targets:
        if isinstance(target, str) and is_url(target):
            yield target
            continue
        path = Path(target)
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


@dataclass(frozen=True)
class FileResult:
    """One file's receipt, or why it could not be ingested."""

    path: str
    receipt: IngestReceipt | None = None
    error: str = ""
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        if self.receipt is not None:
            return {"path": self.path, **self.receipt.to_dict()}
        return {"path": self.path, "error": self.error, "detail": self.detail or self.error}


def cmd_ingest(args: argparse.Namespace, console: Console) -> int:
    files = list(expand_paths(args.paths))
    scopes = args.scope or [GLOBAL_SCOPE]
    failures = 0
    kb = _open(args)
    try:
        with _progress(console, hidden=args.json or args.verbosity == QUIET) as progress:
            bar = IngestBar(progress, total=len(files))
            for target in files:
                name = target if isinstance(target, str) else target.name
                result = _ingest_one(kb, target, scopes, bar.step_reporter(name))
                failures += result.receipt is None
                bar.done(result.receipt)
                _report(result, args, console)
    finally:
        close_kb(kb)
    if not args.json:
        _note(console, args, render.ingest_summary(len(files) - failures, len(files)))
    return 1 if failures else 0


def _ingest_one(
    kb: KnowledgeBase, target: str | Path, scopes: list[str], step: Callable[[str], None]
) -> FileResult:
    try:
        if isinstance(target, str):
            return FileResult(target, kb.ingest_url(target, scopes=scopes, progress=step))
        if not target.exists():
            return FileResult(str(target), error="file not found")
        return FileResult(str(target), kb.ingest_path(target, scopes=scopes, progress=step))
    except RagError as err:
        return FileResult(str(target), error=err.user_message, detail=str(err))


def _report(result: FileResult, args: argparse.Namespace, console: Console) -> None:
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
    elif result.receipt is None:
        console.print(render.failure_line(result.path, result.error), markup=False)
    elif args.verbosity > QUIET:
        _out(render.receipt_line(result.receipt))


class IngestBar:
    """The progress bar's one task: files done, pages and chunks so far, the current step."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress = progress
        self.task: TaskID = progress.add_task("starting", total=total, pages=0, chunks=0)
        self.pages = self.chunks = 0

    def step_reporter(self, name: str) -> Callable[[str], None]:
        self.progress.update(self.task, description=name)
        return lambda step: self.progress.update(self.task, description=f"{name}: {step}")

    def done(self, receipt: IngestReceipt | None) -> None:
        if receipt is not None:
            self.pages += receipt.pages
            self.chunks += receipt.chunks
        self.progress.update(self.task, advance=1, pages=self.pages, chunks=self.chunks)


def _progress(console: Console, hidden: bool) -> Progress:
    """A bar on stderr when it is a terminal. While it runs, results written to a terminal
    stdout are printed above it; a redirected stdout gets them untouched."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} files"),
        TextColumn("{task.fields[pages]} pages"),
        TextColumn("{task.fields[chunks]} chunks"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=hidden or not console.is_terminal,
        redirect_stdout=sys.stdout.isatty(),
        redirect_stderr=False,
    )


# --- questions ----------------------------------------------------------------------------
def cmd_search(args: argparse.Namespace, console: Console) -> int:
    kb = _open(args)
    try:
        hits = kb.search(args.question, args.scope, k=args.k, mode=args.mode)
    finally:
        close_kb(kb)
    if args.json:
        _emit_json([hit.to_dict() for hit in hits])
        return 0
    for n, hit in enumerate(hits, start=1):
        _out(render.hit_text(n, hit))
    if not hits:
        _note(console, args, "no matches")
    return 0


def cmd_ask(args: argparse.Namespace, console: Console) -> int:
    kb = _open(args)
    try:
        stream = kb.stream_answer(args.question, args.scope)
        if args.json:
            answer = stream.answer
            _emit_json({**answer.to_dict(), "answer": render.answer_body(answer)})
            return 0
        for delta in stream:
            sys.stdout.write(delta)
            sys.stdout.flush()
        answer = stream.answer
    finally:
        close_kb(kb)
    if answer.kind != "generated":
        sys.stdout.write(render.answer_body(answer))
    sys.stdout.write("\n")
    sources = render.answer_sources(answer)
    if sources:
        _out(f"\n{sources}")
    return 0


# --- documents ----------------------------------------------------------------------------
def cmd_docs_list(args: argparse.Namespace, console: Console) -> int:
    kb = _open(args)
    try:
        docs = kb.documents(args.scope)
    finally:
        close_kb(kb)
    if args.json:
        _emit_json([doc.to_dict() for doc in docs])
    elif docs:
        _out(render.documents_table(docs))
    else:
        _note(console, args, "no documents")
    return 0


def cmd_docs_forget(args: argparse.Namespace, console: Console) -> int:
    kb = _open(args)
    try:
        found = kb.forget(args.doc_id)
    finally:
        close_kb(kb)
    if not found:
        console.print(f"error: no document {args.doc_id}", markup=False)
        return 1
    _out(f"forgot {args.doc_id}")
    return 0


def cmd_docs_gc(args: argparse.Namespace, console: Console) -> int:
    kb = _open(args)
    try:
        removed = kb.remove_orphan_chunks()
    finally:
        close_kb(kb)
    _out(f"removed the chunks of {plural(removed, 'orphaned version')}")
    return 0


def cmd_stats(args: argparse.Namespace, console: Console) -> int:
    kb = _open(args)
    try:
        stats = kb.stats()
        tenants = kb.registry.tenants()
    finally:
        close_kb(kb)
    if args.json:
        _emit_json({**stats, "tenants": tenants})
        return 0
    _out(render.key_values(stats))
    if len(tenants) > 1 or set(tenants) - {DEFAULT_TENANT}:
        rows = [(t or "(default)", c["documents"], c["chunks"]) for t, c in tenants.items()]
        _out("\n" + render.table(("team", "documents", "chunks"), rows))
    return 0


# --- models -------------------------------------------------------------------------------
def cmd_models_download(args: argparse.Namespace, console: Console) -> int:
    from rag import model_files

    folder = model_files.download_models(
        Settings(), report=lambda step: _note(console, args, f"downloading {step}")
    )
    _out(f"models are in {folder}")
    if not model_files.standard_pipeline_packages_installed():
        _note(
            console,
            args,
            "note: the standard PDF pipeline also needs its packages, "
            f"{model_files.PDF_MODELS_EXTRA_HINT}",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
