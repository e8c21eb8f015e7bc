"""The control plane's Prometheus metrics, served at `GET /metrics` by each replica for itself.

- `control_plane_requests_total{method, path, status_code}` and `control_plane_request_duration_seconds` (a
  histogram), by route template (`/api/interviews/{token:str}/join`, never the token itself), from Litestar's
  Prometheus middleware; `control_plane_requests_in_progress`, and `control_plane_requests_error_total` for 5xx;
- `control_plane_interviews{status}`: links by status, counted in the database when scraped (one grouped query);
- `control_plane_agent_dispatches_total{outcome}`: agent dispatches sent to LiveKit (`sent`) or given up on after
  retries (`failed`);
- `control_plane_agent_redispatches_total{reason}`: agents sent again into an interview already under way: its room
  had no agent (`no_agent`), its worker's lease lapsed (`lease_lapsed`), or no worker took the dispatch (`untaken`);
- `control_plane_sweeper_moves_total{to}`: links the clock moved (`expired`; `completed`: an abandoned interview
  closed by the server);
- the process's own CPU seconds, memory and open files (`process_*`, from prometheus-client).

Each replica is scraped on its own; sum over replicas in Prometheus. A replica of several server processes
(`WEB_CONCURRENCY`) keeps its metrics in files shared by its processes (prometheus-client's multiprocess mode), and
`/metrics`, whichever process answers, sums them (`control_plane_requests_in_progress` is given per process, `pid`);
the `process_*` metrics are then not served (prometheus-client has none across processes). The endpoint answers a request that
carries `Authorization: Bearer <METRICS_TOKEN>`, or, with no `METRICS_TOKEN` set, any request from the loopback
address only (so a scraper on the same host works with nothing set, and nothing leaks through a load balancer).
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any

from litestar import Request, Response, get
from litestar.enums import ScopeType
from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
from piccolo.query.functions.aggregate import Count
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from control_plane.auth import same_secret
from control_plane.errors import error_response
from control_plane.settings import Settings
from control_plane.tables import Link, LinkStatus

# Request latency buckets: the control plane answers in milliseconds; seconds mean trouble.
BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]


class RouteLabels(PrometheusMiddleware):
    """Litestar's Prometheus middleware, labelling by route template without first building the request's URL,
    which its own labels compute and then discard when paths are grouped (a tenth of the middleware's time)."""

    def _get_default_labels(self, request: Request[Any, Any, Any]) -> dict[str, str | int | float]:
        scope = request.scope
        return {
            "method": scope["method"] if scope["type"] == ScopeType.HTTP else scope["type"],
            "path": scope["path_template"],
            "status_code": 200,
            "app_name": self._config.app_name,
        }


prometheus = PrometheusConfig(
    app_name="control_plane",
    prefix="control_plane",
    group_path=True,
    buckets=BUCKETS,
    exclude=["^/metrics$", "^/static/"],
    middleware_class=RouteLabels,
)

# Counted by whichever process was scraped: with several, its count is the one to give.
INTERVIEWS = Gauge(
    "control_plane_interviews",
    "Interview links by status, counted when scraped",
    ["status"],
    multiprocess_mode="mostrecent",
)
DISPATCHES = Counter("control_plane_agent_dispatches", "Agent dispatches asked of LiveKit", ["outcome"])
REDISPATCHES = Counter(
    "control_plane_agent_redispatches", "Agents sent again into an interview under way, by why", ["reason"]
)
SWEEPER_MOVES = Counter("control_plane_sweeper_moves", "Links the clock moved, by the status they went to", ["to"])

for _status in LinkStatus:
    INTERVIEWS.labels(_status.value)
for _outcome in ("sent", "failed"):
    DISPATCHES.labels(_outcome)
for _reason in ("no_agent", "lease_lapsed", "untaken"):
    REDISPATCHES.labels(_reason)
for _to in (LinkStatus.expired.value, LinkStatus.completed.value):
    SWEEPER_MOVES.labels(_to)


async def count_interviews() -> None:
    rows = await Link.select(Link.status, Count(alias="n")).group_by(Link.status)
    counted = {row["status"]: row["n"] for row in rows}
    for status in LinkStatus:
        INTERVIEWS.labels(status.value).set(counted.get(status.value, 0))


def from_loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@get("/metrics", include_in_schema=False)
async def metrics(request: Request, settings: Settings) -> Response:
    """Prometheus' text format; see the module's docstring for who may read it."""
    if settings.metrics_token:
        scheme, _, sent = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not same_secret(sent.strip(), settings.metrics_token):
            return error_response(401, "unauthorized", "Send 'Authorization: Bearer <METRICS_TOKEN>'.")
    elif not from_loopback(request):
        return error_response(
            403, "forbidden", "Metrics are served to the loopback address only unless METRICS_TOKEN is set."
        )
    await count_interviews()
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)


def exposition() -> bytes:
    """Every metric of this replica: its own process's, or, when several processes serve, all of theirs."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry)


routes = [metrics]
