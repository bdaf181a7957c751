"""Serve the OpenAPI document and a readable HTML page built from it, with no CDN."""

import html
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from mockserver.contract import resolve_ref

Endpoint = Callable[[Request], Any]


def spec_response(text: bytes) -> Endpoint:
    async def serve_spec(request: Request) -> Response:
        return Response(text, media_type="application/yaml")

    return serve_spec


def docs_page(document: Mapping[str, Any]) -> Endpoint:
    page = render(document)

    async def serve_docs(request: Request) -> Response:
        return HTMLResponse(page)

    return serve_docs


def render(document: Mapping[str, Any]) -> str:
    """Render operations, their parameters and the result codes as one HTML page."""
    info = document["info"]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_e(info['title'])}</title>",
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.4}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3rem;text-align:left;"
        "vertical-align:top}code,pre{background:#f4f4f4}pre{padding:.5rem;white-space:pre-wrap}</style>",
        "</head><body>",
        f"<h1>{_e(info['title'])} {_e(info['version'])}</h1>",
        f"<pre>{_e(info.get('description', ''))}</pre>",
        "<p>The machine-readable contract: <a href='/openapi.yaml'>/openapi.yaml</a>.</p>",
    ]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            parts.append(_operation(document, path, method, operation))
    parts.append(_codes(document))
    parts.append("</body></html>")
    return "".join(parts)


def _operation(document: Mapping[str, Any], path: str, method: str, operation: Mapping[str, Any]) -> str:
    rows = []
    for reference in operation.get("parameters", []):
        parameter = resolve_ref(document, reference)
        schema = resolve_ref(document, parameter["schema"])
        rows.append(
            f"<tr><td><code>{_e(parameter['name'])}</code></td><td>{_e(parameter['in'])}</td>"
            f"<td>{'yes' if parameter.get('required') else 'no'}</td><td>{_e(schema.get('description', ''))}</td></tr>"
        )
    body = operation.get("requestBody", {}).get("content", {})
    if body:
        media = next(iter(body.values()))
        schema = resolve_ref(document, media["schema"])
        for name, sub in schema.get("properties", {}).items():
            sub = resolve_ref(document, sub)
            required = "yes" if name in schema.get("required", []) else "no"
            rows.append(
                f"<tr><td><code>{_e(name)}</code></td><td>body</td><td>{required}</td>"
                f"<td>{_e(sub.get('description', ''))}</td></tr>"
            )
    table = ""
    if rows:
        table = "<table><tr><th>name</th><th>in</th><th>required</th><th>meaning</th></tr>" + "".join(rows) + "</table>"
    media_types = f"<p>Body: {_e(', '.join(body))}</p>" if body else ""
    return (
        f"<h2><code>{_e(method.upper())} {_e(path)}</code></h2>"
        f"<p>{_e(operation.get('summary', ''))}</p><pre>{_e(operation.get('description', ''))}</pre>"
        f"{media_types}{table}"
    )


def _codes(document: Mapping[str, Any]) -> str:
    rows = []
    for entry in document["components"]["schemas"]["ResultCode"]["oneOf"]:
        rows.append(
            f"<tr><td>{entry['const']}</td><td><code>{_e(entry['title'])}</code></td>"
            f"<td>{entry['x-http-status']}</td><td>{'yes' if entry['x-retryable'] else 'no'}</td>"
            f"<td>{_e(entry['description'])}</td></tr>"
        )
    header = "<tr><th>code</th><th>name</th><th>HTTP</th><th>retry helps</th><th>meaning</th></tr>"
    return "<h2>Result codes</h2><table>" + header + "".join(rows) + "</table>"


def _e(value: object) -> str:
    return html.escape(str(value))
