"""Local HTTP stand-ins (OpenAI, Slack) and Slack request builders for the test suite."""
