"""What listeners and jobs need, built once at startup and handed to them."""

from __future__ import annotations

import dataclasses
import threading
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
    from bot.teams import Installations


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
    installations: Installations | None = None  # installed by many teams (OAuth)
    team: str = ""  # whose documents and state these are ("": the only workspace)
    _caches: dict[str, _TeamCaches] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def for_team(self, team: str, client: WebClient) -> Deps:
        """The same runtime as one team sees it: its documents, state, jobs and caches (channel,
        user and file ids are the team's), and ``client`` (holding the team's bot token)."""
        with self._lock:
            caches = self._caches.get(team)
            if caches is None:
                caches = self._caches[team] = _TeamCaches(
                    Directory(self.directory.ttl_s),
                    Membership(self.membership.ttl_s),
                    FileFactsCache(self.file_facts.ttl_s),
                )
        return dataclasses.replace(
            self,
            kb=self.kb.for_tenant(team),
            state=self.state.for_team(team),
            jobs=self.jobs.for_team(team),
            client=client,
            directory=caches.directory,
            membership=caches.membership,
            file_facts=caches.file_facts,
            team=team,
        )


@dataclass(frozen=True)
class _TeamCaches:
    directory: Directory
    membership: Membership
    file_facts: FileFactsCache
