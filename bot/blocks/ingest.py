"""Progress and receipt messages posted in a shared file's thread."""

from __future__ import annotations

from bot.blocks.common import Block, context, escape, section
from rag.models import IngestReceipt


def progress_text(name: str, step: str = "queued") -> str:
    return f":hourglass_flowing_sand: Reading *{escape(name)}* — {step}…"


def progress_blocks(name: str, step: str = "queued") -> list[Block]:
    return [context(progress_text(name, step))]


def receipt_text(receipt: IngestReceipt) -> str:
    verb = {"added": "Added", "replaced": "Updated", "unchanged": "Already up to date:"}[
        receipt.outcome
    ]
    return (
        f":white_check_mark: {verb} *{escape(receipt.source)}* — {receipt.counts} "
        f"in {receipt.seconds:.1f}s. Ask me about it here."
    )


def receipt_blocks(receipt: IngestReceipt) -> list[Block]:
    return [section(receipt_text(receipt))]


def failure_text(name: str, reason: str) -> str:
    return f":warning: I couldn't add *{escape(name)}*: {reason}"


def failure_blocks(name: str, reason: str) -> list[Block]:
    return [section(failure_text(name, reason))]


def shared_here_text(name: str) -> str:
    return (
        f":white_check_mark: *{escape(name)}* is already in my knowledge base; "
        "it can now be asked about here too."
    )
