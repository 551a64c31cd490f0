"""What listeners and jobs need, built once at startup and handed to them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slack_sdk import WebClient

from bot.directory import Directory
from bot.file_facts import FileFactsCache
from bot.membership import Membership
from bot.settings import BotSettings
from bot.state import StateStore
from rag.knowledge_base import KnowledgeBase

if TYPE_CHECKING:
    from bot.jobs.queue import JobQueue


@dataclass
class Deps:
    kb: KnowledgeBase
    settings: BotSettings
    state: StateStore
    jobs: JobQueue
    client: WebClient
    directory: Directory = field(default_factory=Directory)  # cached users/conversations.info
    membership: Membership = field(default_factory=Membership)  # cached conversations.members
    file_facts: FileFactsCache = field(default_factory=FileFactsCache)  # cached files.info
