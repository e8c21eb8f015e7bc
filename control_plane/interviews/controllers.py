"""The respondent's public endpoints (by link token) and the agent's internal ones (by interview key)."""

from __future__ import annotations

from litestar import Request, Response, get, post, put
from litestar.di import Provide

from control_plane.errors import (
    BODY,
    EmailMismatch,
    InvalidStatus,
    LinkGone,
    NotFound,
    TurnConflict,
    Unauthorized,
    documented,
)
from control_plane.interviews import services
from control_plane.interviews.schemas import (
    AgentInterview,
    Completion,
    CompletionState,
    GuideQuestionsIn,
    LeftInterview,
    PublicInterview,
    QuestionsStored,
    RespondentEmail,
    RoomAccess,
    Seq,
    TurnIn,
    TurnStored,
)
from control_plane.links import lifecycle
from control_plane.settings import Settings

NO_STORE = {"Cache-Control": "no-store"}


@get("/api/interview/{token:str}", responses=documented(NotFound, LinkGone))
async def public_view(token: str, settings: Settings) -> Response[PublicInterview]:
    return Response(await services.public_view(token, settings), headers=NO_STORE)


@post(
    "/api/interview/{token:str}/join", status_code=200, responses=documented(*BODY, EmailMismatch, NotFound, LinkGone)
)
async def join(token: str, data: RespondentEmail, request: Request, settings: Settings) -> Response[RoomAccess]:
    answer, started = await services.join(token, data.email, settings)
    if started:
        request.app.state.dispatcher.dispatch(answer.interview_id)
    return Response(answer, headers=NO_STORE)


@post(
    "/api/interview/{token:str}/leave",
    status_code=200,
    responses=documented(*BODY, EmailMismatch, NotFound, InvalidStatus),
)
async def leave(token: str, data: RespondentEmail, request: Request, settings: Settings) -> LeftInterview:
    answer = await services.leave(token, data.email, settings)
    request.app.state.dispatcher.interview_ended(answer.interview_id)
    return answer


async def provide_interview(interview_id: str, request: Request, settings: Settings) -> dict:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key:
        raise Unauthorized("Send the interview's agent key as 'Authorization: Bearer <key>'.")
    return await services.for_agent(interview_id, key.strip(), settings)


agent_deps = {"interview": Provide(provide_interview)}
# The agent's key is missing (401), or opens another interview or none (404).
AGENT = (Unauthorized, NotFound)


@get("/api/agent/interviews/{interview_id:str}", dependencies=agent_deps, responses=documented(*AGENT))
async def agent_config(interview: dict) -> Response[AgentInterview]:
    return Response(await services.agent_config(interview), headers=NO_STORE)


@put(
    "/api/agent/interviews/{interview_id:str}/turns/{seq:int}",
    dependencies=agent_deps,
    responses=documented(*AGENT, *BODY, TurnConflict, LinkGone),
)
async def agent_turn(interview: dict, seq: Seq, data: TurnIn) -> TurnStored:
    created = await services.put_turn(interview, seq, data.speaker, data.text, data.started_at, data.ended_at)
    return TurnStored(seq=seq, created=created)


@put(
    "/api/agent/interviews/{interview_id:str}/questions",
    dependencies=agent_deps,
    responses=documented(*AGENT, *BODY, LinkGone),
)
async def agent_questions(interview: dict, data: GuideQuestionsIn) -> QuestionsStored:
    """Where each guide question stands as of turn `through_seq`. Idempotent; an older state than the one stored is
    ignored (`stored: false`). Questions still open when the interview has completed are stored as not reached."""
    stored = await services.put_questions(interview, data.through_seq, data.questions)
    return QuestionsStored(through_seq=data.through_seq, stored=stored)


@post(
    "/api/agent/interviews/{interview_id:str}/complete",
    dependencies=agent_deps,
    status_code=200,
    responses=documented(*AGENT, *BODY),
)
async def agent_complete(interview: dict, data: Completion, request: Request, settings: Settings) -> CompletionState:
    await lifecycle.complete(interview["id"], data.reason, settings, note=data.note)
    request.app.state.dispatcher.interview_ended(interview["id"])
    return await services.completion_state(interview["id"])


routes = [public_view, join, leave, agent_config, agent_turn, agent_questions, agent_complete]
