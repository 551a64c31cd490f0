"""``ragbot``: the knowledge base CLI (``rag.cli``) plus ``ragbot serve`` for the Slack bot."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from rag import cli as rag_cli
from rag import render


def build_parser() -> argparse.ArgumentParser:
    parser, subparsers = rag_cli.build_parser()
    common = [rag_cli.verbosity_options(top_level=False)]
    serve = subparsers.add_parser(
        "serve",
        help="run the Slack bot (Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT)",
        parents=common,
    )
    serve.add_argument("--port", type=int, default=None, help="HTTP mode port (default: PORT)")
    serve.set_defaults(handler=cmd_serve)
    worker = subparsers.add_parser(
        "worker",
        help="run ingestion and scheduled jobs from the shared job store (no HTTP)",
        parents=common,
    )
    worker.set_defaults(handler=cmd_worker)
    teams = subparsers.add_parser(
        "teams", help="workspaces that installed the app (OAuth mode)", parents=common
    )
    teams_sub = teams.add_subparsers(dest="teams_command", required=True)
    teams_list = teams_sub.add_parser(
        "list", help="installations, newest token first (tokens are never shown)", parents=common
    )
    teams_list.add_argument("--json", action="store_true")
    teams_list.set_defaults(handler=cmd_teams_list)
    feedback = subparsers.add_parser("feedback", help="👍/👎 given in Slack", parents=common)
    feedback_sub = feedback.add_subparsers(dest="feedback_command", required=True)
    export = feedback_sub.add_parser(
        "export",
        help="the votes as a question set for bench/retrieval_eval.py (--questions FILE)",
        parents=common,
    )
    export.add_argument("--json", action="store_true", help="JSON Lines, one question a line")
    export.add_argument("-o", "--output", type=Path, help="write to this file (default stdout)")
    export.set_defaults(handler=cmd_feedback_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return rag_cli.main(argv, parser=build_parser())


def cmd_serve(args: argparse.Namespace, console: Console) -> int:
    from bot.server import serve
    from bot.settings import BotSettings, MissingSlackConfigError

    settings = BotSettings()  # read from the environment
    if args.port is not None:
        settings = settings.model_copy(update={"port": args.port})
    try:
        settings.require_slack()
    except MissingSlackConfigError as err:
        sys.stderr.write(f"ragbot serve: {err}\n")
        return 2
    _log_service(args.verbosity)
    return serve(settings)


def cmd_worker(args: argparse.Namespace, console: Console) -> int:
    from bot.settings import BotSettings
    from bot.worker import run_worker

    settings = BotSettings()
    if settings.slack_bot_token is None and not settings.multi_workspace:
        sys.stderr.write(
            "ragbot worker: missing SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)\n"
        )
        return 2
    _log_service(args.verbosity)
    return run_worker(settings)


def cmd_teams_list(args: argparse.Namespace, console: Console) -> int:
    from bot.settings import BotSettings
    from bot.slack_client import make_client
    from bot.state import StateStore
    from bot.teams import Installations
    from rag.database import make_engine

    settings = BotSettings()
    if not settings.multi_workspace or settings.slack_client_secret is None:
        sys.stderr.write(
            "ragbot teams: installations exist in OAuth mode only (SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET set, no SLACK_BOT_TOKEN)\n"
        )
        return 2
    engine = make_engine(settings.resolved_database_url)
    try:
        StateStore(engine)  # the installation tables are the bot's: migrate them first
        teams = Installations(settings, engine, make_client(settings)).teams()
    finally:
        engine.dispose()
    if args.json:
        rag_cli._emit_json([team.to_dict() for team in teams])
    elif teams:
        rows = [
            (
                t.key,
                t.team_name or t.enterprise_name or "",
                "org" if t.is_enterprise_install else "workspace",
                "rotating" if t.token_rotation else "long-lived",
                t.installed_at.isoformat(timespec="seconds"),
            )
            for t in teams
        ]
        headers = ("team", "name", "install", "token", "installed_at")
        sys.stdout.write(render.table(headers, rows) + "\n")
    else:
        console.print("no installations yet: open /slack/install to add the app", markup=False)
    return 0


def cmd_feedback_export(args: argparse.Namespace, console: Console) -> int:
    from bot.feedback_export import question_set, to_jsonl
    from bot.settings import BotSettings
    from bot.state import StateStore
    from rag.database import make_engine

    engine = make_engine(BotSettings().resolved_database_url)
    try:
        items = question_set(StateStore(engine).feedback())
    finally:
        engine.dispose()
    failures = sum(1 for item in items if item.get("retrieval_failure"))
    if args.json:
        text = to_jsonl(items)
    else:
        text = "".join(
            f"{'👎' if item['vote'] == 'down' else '👍'} "
            f"{'retrieval failure' if item.get('retrieval_failure') else ', '.join(item['docs'])}"
            f"  {item['question']}\n"
            for item in items
        )
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if args.verbosity > rag_cli.QUIET:
        console.print(f"{len(items)} question(s), {failures} retrieval failure(s)", markup=False)
    return 0


def _log_service(verbosity: int) -> None:
    """A running service logs its own INFO lines (startup, answers, jobs) unless ``-q``."""
    if verbosity > rag_cli.QUIET:
        logging.getLogger().setLevel(min(logging.getLogger().level, logging.INFO))
        logging.getLogger("bot").setLevel(logging.INFO)


if __name__ == "__main__":
    raise SystemExit(main())
