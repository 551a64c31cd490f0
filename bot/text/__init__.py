"""Text for Slack: escaping and Markdown/mrkdwn conversion of answers and document text."""
