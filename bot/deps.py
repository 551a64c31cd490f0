"""What listeners and jobs need, built once at startup and handed to them."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slack_sdk import WebClient

from bot.directory import Directory
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
    installations: Installations | None = None  # installed by many teams (OAuth)
    team: str = ""  # whose documents and state these are ("": the only workspace)
    _directories: dict[str, Directory] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def for_team(self, team: str, client: WebClient) -> Deps:
        """The same runtime as one team sees it: its documents, state, jobs and directory,
        and ``client`` (holding the team's bot token) for every Slack call."""
        with self._lock:
            directory = self._directories.get(team)
            if directory is None:
                directory = self._directories[team] = Directory(self.directory.ttl_s)
        return dataclasses.replace(
            self,
            kb=self.kb.for_tenant(team),
            state=self.state.for_team(team),
            jobs=self.jobs.for_team(team),
            client=client,
            directory=directory,
            team=team,
        )
