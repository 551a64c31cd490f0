"""Reading files shared before ragbot joined: the offer, progress in place, the summary."""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks.common import Block, button, context, escape, section
from bot.constants import READ_OLDER_FILES

MAX_FAILURES_LISTED = 10
STARTING_TEXT = ":hourglass_flowing_sand: Looking at the files shared here…"


def offer_text(count: int) -> str:
    files = "1 file" if count == 1 else f"{count} files"
    return (
        f":wave: Thanks for adding me. {files} I can read {'was' if count == 1 else 'were'} "
        "shared here before I joined. Shall I read them so I can answer questions about them?"
    )


def offer_blocks(count: int, channel: str) -> list[Block]:
    return [
        section(offer_text(count)),
        {
            "type": "actions",
            "elements": [
                button(
                    "Read them" if count > 1 else "Read it", READ_OLDER_FILES, channel, "primary"
                )
            ],
        },
    ]


def starting_blocks() -> list[Block]:
    return [context(STARTING_TEXT)]


def progress_text(done: int, total: int) -> str:
    return f":hourglass_flowing_sand: {done} of {total} files read…"


def progress_blocks(done: int, total: int) -> list[Block]:
    return [context(progress_text(done, total))]


def summary_text(read: int, total: int) -> str:
    if read == total:
        return f":white_check_mark: Read all {total} files shared here. Ask me about them."
    return f":white_check_mark: Read {read} of {total} files shared here. Ask me about them."


def summary_blocks(read: int, total: int, failures: Sequence[tuple[str, str]]) -> list[Block]:
    blocks = [section(summary_text(read, total))]
    if failures:
        lines = "\n".join(
            f"• *{escape(name)}*: {reason}" for name, reason in failures[:MAX_FAILURES_LISTED]
        )
        more = len(failures) - MAX_FAILURES_LISTED
        tail = f"\n…and {more} more." if more > 0 else ""
        blocks.append(section(f"I couldn't read {len(failures)}:\n{lines}{tail}"))
    return blocks


def nothing_to_read_text() -> str:
    return "There are no files here I haven't read already."
