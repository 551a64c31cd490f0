"""Every suggested prompt in manifest.yml, asked in the assistant pane through Bolt, gets a
useful answer."""

from __future__ import annotations

import pytest
import yaml

from tests.bot.harness import SAMPLES, Bot, block_text
from tests.fakes.slack_rules import MANIFEST

pytestmark = pytest.mark.slow


def manifest_prompts() -> list[dict[str, str]]:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return list(manifest["features"]["assistant_view"]["suggested_prompts"])


def test_every_suggested_prompt_works(running_bot: Bot) -> None:
    bot = running_bot
    bot.share_file(SAMPLES / "handbook.md", "D9")
    bot.wait_receipt("D9", "handbook.md")
    answered: dict[str, str] = {}
    for n, prompt in enumerate(manifest_prompts()):
        thread = f"17000001{n:02d}.000100"
        started = {
            "type": "assistant_thread_started",
            "assistant_thread": {"user_id": "U1", "channel_id": "D9", "thread_ts": thread},
            "event_ts": f"17000001{n:02d}.000200",
        }
        assert bot.send_event(started) == 200
        bot.wait_answer("D9", thread)  # the greeting
        bot.say(prompt["message"], "D9", thread_ts=thread, channel_type="im")
        reply = bot.wait_answer("D9", thread, after=1)
        answered[prompt["title"]] = f"{reply.get('text', '')} {block_text(reply)}"

    assert set(answered) == {"What can you do?", "Summarise the latest document", "Find a policy"}
    assert "What I can do" in answered["What can you do?"]
    assert "handbook.md" in answered["What can you do?"]  # the documents it can see here
    requests = [str(r.json) for r in bot.openai.requests_to("/chat/completions")]
    assert any("Documents:" in r and "Vacation Policy" in r for r in requests)  # whole document
    assert "handbook.md" in answered["Summarise the latest document"]
    assert any("Sources:" in r and "Question: What does our documentation" in r for r in requests)
    assert "handbook.md" in answered["Find a policy"]
    assert "couldn't find anything" not in " ".join(answered.values())
