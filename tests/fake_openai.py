"""A deterministic OpenAI-compatible server on loopback, for tests: the network boundary, not our code, is faked.

It answers `/v1/chat/completions` like a careful model would for our two report prompts, plus one fabricated quote
each time (which the citation check must drop), and can be told to fail.
"""

from __future__ import annotations

import json
import re

from aiohttp import web


class FakeOpenAI:
    def __init__(self) -> None:
        self.fail = False
        self.map_calls = 0
        self.combine_calls = 0
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> FakeOpenAI:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self.chat)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/v1"
        return self

    async def stop(self) -> None:
        await self.runner.cleanup()

    async def chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        text = body["messages"][-1]["content"]
        if self.fail:
            return web.json_response({"error": {"message": "the model is overloaded"}}, status=503)
        if text.startswith("You analyse one"):
            self.map_calls += 1
            answer = self.summary(text)
        else:
            self.combine_calls += 1
            answer = self.combined(text)
        return web.json_response(
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": json.dumps(answer)},
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )

    @staticmethod
    def summary(prompt: str) -> dict:
        answers = re.findall(r"^(\d+), respondent: (.+)$", prompt, re.M)
        seq, words = answers[0]
        return {
            "summary": "The respondent plans weekly and struggles with meetings.",
            "findings": [{"goal": "Understand how small teams plan their work.", "finding": "Lists on Mondays."}],
            "quotes": [
                {"seq": int(seq), "text": " ".join(words.split()[:4]), "why": "how they plan"},
                {"seq": int(seq), "text": "I have never planned anything in my life", "why": "fabricated"},
            ],
            "themes": ["lists", "meetings"],
            "open_questions": ["Who sets the priorities?"],
            "guide_gaps": [],
        }

    @staticmethod
    def combined(prompt: str) -> dict:
        summaries = json.loads(prompt.split("(JSON, one per record):\n", 1)[1])
        real = [q for s in summaries for q in s["quotes"]]
        return {
            "summary": f"{len(summaries)} interviews about planning.",
            "themes": [{"theme": "lists", "respondents": len(summaries), "description": "Everyone keeps lists."}],
            "findings": [{"goal": "Understand how small teams plan their work.", "finding": "With lists."}],
            "contrasts": ["Some plan daily, some weekly."],
            "quotes": [*real[:2], {"record": summaries[0]["record"], "seq": 1, "text": "A quote nobody said"}],
            "guide_gaps": ["Tools were never discussed."],
        }
