"""Serve the recorded API exchanges of ``tests/data/`` from the local replay servers.

An exchange file holds one answer as the API sent it (see the PROVENANCE notes beside
them): the request it answered, the status, the headers and the body. ``serve`` registers
it on a replay server under the request's path, and points any ``Location`` header that
named the real API at the replay server instead, as the real API would name itself.
"""

import json
from pathlib import Path
from urllib.parse import urlsplit

DATA = Path(__file__).resolve().parent / "data"


def load(name):
    return json.loads((DATA / name).read_text())


def serve(server, name, *, times=None, match_query=False, delay=None, **changes):
    """Answer with the recorded exchange ``name`` (e.g. "github/repos-tensorflow-models.json").

    ``changes`` override the recorded status, headers or body. The query is matched only
    with ``match_query``: most tests care about the path alone.
    """
    exchange = {**load(name), **changes}
    request = exchange["request"]
    url = urlsplit(request["url"])
    origin = f"{url.scheme}://{url.netloc}"
    headers = dict(exchange.get("headers") or {})
    for key, value in headers.items():
        if key.lower() == "location" and value.startswith(origin):
            headers[key] = server.base_url + value[len(origin) :]
    body = exchange.get("body")
    if body is None:
        content = b""
    elif isinstance(body, str):
        content = body.encode()
    else:
        content = json.dumps(body, ensure_ascii=False).encode()
    return server.add(
        url.path,
        method=request.get("method", "GET"),
        query=request.get("query") if match_query else None,
        status=exchange["status"],
        body=content,
        headers=headers,
        times=times,
        delay=delay,
    )
