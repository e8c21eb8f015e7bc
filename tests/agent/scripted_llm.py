"""A scripted LLM for tests: answers with canned lines in order and keeps every chat context it was given."""

from __future__ import annotations

from livekit.agents import llm
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS, NOT_GIVEN, APIConnectOptions, NotGivenOr
from livekit.agents.utils import shortuuid


class ScriptedLLM(llm.LLM):
    def __init__(self, replies: list[str]) -> None:
        super().__init__()
        self.replies = list(replies)
        self.contexts: list[llm.ChatContext] = []

    def chat(
        self,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool] | None = None,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
        parallel_tool_calls: NotGivenOr[bool] = NOT_GIVEN,
        tool_choice: NotGivenOr[llm.ToolChoice] = NOT_GIVEN,
        extra_kwargs: NotGivenOr[dict] = NOT_GIVEN,
    ) -> llm.LLMStream:
        self.contexts.append(chat_ctx.copy())
        return _Scripted(self, chat_ctx=chat_ctx, tools=tools or [], conn_options=conn_options)


class _Scripted(llm.LLMStream):
    async def _run(self) -> None:
        text = self._llm.replies.pop(0) if self._llm.replies else "Thank you."
        self._event_ch.send_nowait(
            llm.ChatChunk(id=shortuuid("scripted_"), delta=llm.ChoiceDelta(role="assistant", content=text))
        )


def system_text(ctx: llm.ChatContext) -> str:
    return "\n".join(
        m.text_content or "" for m in ctx.items if isinstance(m, llm.ChatMessage) and m.role in ("system", "developer")
    )
