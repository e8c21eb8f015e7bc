"""A deterministic OpenAI-compatible server on loopback, for tests: the network boundary, not our code, is faked.

It answers `/v1/chat/completions` like a careful model would for our two report prompts, plus one fabricated quote
each time (which the citation check must drop), and can be told to fail. Given an `interviewer` (a function from the
request's messages to a line and an optional tool call), it also serves the interviewer's streamed chat requests,
and keeps every such request's messages, so a test can see what reached the model on each turn.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class InterviewRequest:
    messages: list[dict[str, Any]]
    tools: list[str]
    tool_choice: Any
    seen: dict[str, Any] = field(default_factory=dict)  # what the test noted when the request came (e.g. the time)


Interviewer = Callable[[list[dict[str, Any]], dict[str, Any]], tuple[str, dict[str, Any] | None]]


class FakeOpenAI:
    def __init__(self, interviewer: Interviewer | None = None, note: Callable[[], dict] | None = None) -> None:
        self.fail = False
        self.map_calls = 0
        self.combine_calls = 0
        self.combine_prompt = ""
        self.interviewer = interviewer
        self.note = note
        self.interview_requests: list[InterviewRequest] = []
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

    async def chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        if self.fail:
            return web.json_response({"error": {"message": "the model is overloaded"}}, status=503)
        if body.get("stream") and self.interviewer is not None:
            return await self.interview(request, body)
        text = body["messages"][-1]["content"]
        if text.startswith("You analyse one"):
            self.map_calls += 1
            answer = self.summary(text)
        else:
            self.combine_calls += 1
            self.combine_prompt = text
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

    async def interview(self, request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
        tools = [t["function"]["name"] for t in body.get("tools") or ()]
        self.interview_requests.append(
            InterviewRequest(body["messages"], tools, body.get("tool_choice"), self.note() if self.note else {})
        )
        text, call = self.interviewer(body["messages"], body)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)

        async def send(delta: dict[str, Any] | None, finish: str | None = None, usage: dict | None = None) -> None:
            chunk = {
                "id": "chatcmpl-interview",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}],
                **({"usage": usage} if usage else {}),
            }
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())

        await send({"role": "assistant", "content": ""})
        for word in re.findall(r"\S+\s*", text):  # streamed a few characters at a time, as a model does
            await send({"content": word})
        if call is not None and "end_interview" in tools and body.get("tool_choice") != "none":
            await send(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_end",
                            "type": "function",
                            "function": {"name": call["name"], "arguments": json.dumps(call["arguments"])},
                        }
                    ]
                }
            )
            await send({}, "tool_calls")
        else:
            await send({}, "stop")
        await send(None, usage={"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2})
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

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
            # A model that answers more than it was asked: counted parts are not its to write.
            "overview": {"interviews": 999, "questions": 0, "answered": 0, "possible": 0},
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
            "open_questions": ["Who decides what goes on the list?"],
            "guide_gaps": ["Tools were never discussed."],
        }
