"""ragbot's knowledge base: Docling ingest, Milvus hybrid search, cited answers. No Slack here."""

from rag.knowledge_base import KnowledgeBase
from rag.settings import Settings

__all__ = ["KnowledgeBase", "Settings"]
