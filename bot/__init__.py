"""ragbot's Slack side: a Bolt app that does Slack and hands everything else to ``rag``."""
