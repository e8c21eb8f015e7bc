"""The respondent's public endpoints (by link token) and the agent's internal ones (by interview key)."""

from __future__ import annotations

from litestar import Request, Response, get, post, put
from litestar.di import Provide

from control_plane.body import read
from control_plane.errors import InvalidInput, Unauthorized
from control_plane.interviews import services
from control_plane.interviews.schemas import Completion, GuideQuestionsIn, RespondentEmail, TurnIn
from control_plane.links import services as links
from control_plane.settings import Settings

NO_STORE = {"Cache-Control": "no-store"}


@get("/api/interview/{token:str}")
async def public_view(token: str, settings: Settings) -> Response:
    return Response(await services.public_view(token, settings), headers=NO_STORE)


@post("/api/interview/{token:str}/join", status_code=200)
async def join(token: str, request: Request, settings: Settings) -> Response:
    data = await read(request, RespondentEmail)
    answer, started = await services.join(token, data.email, settings)
    if started:
        request.app.state.dispatcher.dispatch(answer["interview_id"])
    return Response(answer, headers=NO_STORE)


@post("/api/interview/{token:str}/leave", status_code=200)
async def leave(token: str, request: Request, settings: Settings) -> dict:
    data = await read(request, RespondentEmail)
    answer = await services.leave(token, data.email, settings)
    request.app.state.dispatcher.interview_ended(answer["interview_id"])
    return answer


async def provide_interview(interview_id: str, request: Request, settings: Settings) -> dict:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key:
        raise Unauthorized("Send the interview's agent key as 'Authorization: Bearer <key>'.")
    return await services.for_agent(interview_id, key.strip(), settings)


agent_deps = {"interview": Provide(provide_interview)}


@get("/api/agent/interviews/{interview_id:str}", dependencies=agent_deps)
async def agent_config(interview: dict) -> Response:
    return Response(await services.agent_config(interview), headers=NO_STORE)


@put("/api/agent/interviews/{interview_id:str}/turns/{seq:int}", dependencies=agent_deps)
async def agent_turn(interview: dict, seq: int, request: Request) -> dict:
    data = await read(request, TurnIn)
    if seq < 1:
        raise InvalidInput("seq: turns are numbered from 1")
    created = await services.put_turn(interview, seq, data.speaker, data.text, data.started_at, data.ended_at)
    return {"seq": seq, "created": created}


@put("/api/agent/interviews/{interview_id:str}/questions", dependencies=agent_deps)
async def agent_questions(interview: dict, request: Request) -> dict:
    data = await read(request, GuideQuestionsIn)
    stored = await services.put_questions(interview, data.through_seq, data.questions)
    return {"through_seq": data.through_seq, "stored": stored}


@post("/api/agent/interviews/{interview_id:str}/complete", dependencies=agent_deps, status_code=200)
async def agent_complete(interview: dict, request: Request, settings: Settings) -> dict:
    data = await read(request, Completion)
    await links.complete(interview["id"], data.reason, settings, note=data.note)
    request.app.state.dispatcher.interview_ended(interview["id"])
    return await services.completion_state(interview["id"])


routes = [public_view, join, leave, agent_config, agent_turn, agent_questions, agent_complete]
