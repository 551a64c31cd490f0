"""The reply to "What can you do, and which documents can you see here?"."""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks.common import Block, section
from bot.blocks.docs import docs_list_blocks
from rag.models import DocumentInfo

CAPABILITIES = (
    "*What I can do*\n"
    "• Answer questions from the documents shared with me, with numbered sources that link "
    "back to the files.\n"
    "• Summarise a document or say what is in it (_“Summarise the latest document”_, "
    "_“What is in travel-policy.docx?”_) and compare documents (_“Compare these two files”_).\n"
    "• Read files shared in channels I'm in, and here: share one and ask about it.\n"
    "• Next to a channel you're viewing, I also search that channel's documents when we are "
    "both in it.\n"
    "My Home tab lists the documents of your conversations."
)


def capabilities_text(count: int) -> str:
    return f"I answer questions from documents with sources; I can use {count} here."


def capabilities_blocks(docs: Sequence[DocumentInfo]) -> list[Block]:
    return [section(CAPABILITIES), *docs_list_blocks(docs)]
