"""Security headers on every response; the strict page policy on HTML.

Pure ASGI (not BaseHTTPMiddleware), so streaming responses and the token
endpoint's throughput are untouched: it only appends headers to
`http.response.start`."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


# Scripts and styles only from this origin: no inline script, no eval, so an
# injected <script> or on*= attribute does not run. data: fonts and images are
# what GraphiQL's stylesheet embeds.
def page_policy(*style_hashes: str) -> str:
    styles = " ".join(["'self'", *(f"'{digest}'" for digest in style_hashes)])
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            f"style-src {styles}",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


PAGE_POLICY = page_policy()
# GraphiQL's dialogs (Radix, via react-remove-scroll) add one <style> element
# to lock scrolling. On our GraphiQL page (body overflow hidden, so a zero
# scrollbar gap) its text is always the same; allowing exactly that text by
# its hash keeps 'unsafe-inline' out. A GraphiQL upgrade that changes it fails
# tests/web/test_graphiql_and_csp_browser.py (a CSP error in the console).
GRAPHIQL_SCROLL_LOCK_STYLE = "sha256-Y/huXlwoYkVyQlxwSVcCi1RCDGDCSVBzDt0hYP9qlTc="
GRAPHIQL_POLICY = page_policy(GRAPHIQL_SCROLL_LOCK_STYLE)
# JSON, scripts, stylesheets: nothing of theirs may load anything or be framed.
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'"

ASSET_PREFIXES = ("/static/", "/dashboard/assets/")

ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
ALWAYS_RAW = [(name.lower().encode(), value.encode()) for name, value in ALWAYS.items()]
# What each kind of response gets, unless the app set that header itself. Pages
# carry no secret, but a shared machine's cache should not keep a signed-in page
# either: no-store.
HTML_ADDED = [
    *ALWAYS_RAW,
    (b"content-security-policy", PAGE_POLICY.encode()),
    (b"cache-control", b"no-store"),
]
OTHER_ADDED = [*ALWAYS_RAW, (b"content-security-policy", OTHER_POLICY.encode())]
ASSET_ADDED = [*OTHER_ADDED, (b"cache-control", b"no-cache")]


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # One pass over what the app set (the token endpoint answers on
                # every `docker pull`; a lookup per header was measurable).
                raw = list(message.get("headers", ()))
                present = {name for name, _ in raw}
                content_type = next((v for n, v in raw if n == b"content-type"), b"")
                is_html = content_type.startswith(b"text/html")
                added = HTML_ADDED if is_html else OTHER_ADDED
                if not is_html and scope["path"].startswith(ASSET_PREFIXES):
                    # Revalidate (a cheap 304) so a new release's modules are
                    # never mixed with cached old ones.
                    added = ASSET_ADDED
                raw.extend(item for item in added if item[0] not in present)
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, send_with_headers)
