"""Security headers on every response; the strict page policy on HTML.

Pure ASGI (not BaseHTTPMiddleware), so streaming responses and the token
endpoint's throughput are untouched: it only appends headers to
`http.response.start`."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
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


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # One pass over what the app set (the token endpoint answers on
                # every `docker pull`; a lookup per header was measurable).
                present = {name for name, _ in headers.raw}
                is_html = headers.get("content-type", "").startswith("text/html")
                policy = PAGE_POLICY if is_html else OTHER_POLICY
                cache = "no-store" if is_html else None
                if not is_html and scope["path"].startswith(ASSET_PREFIXES):
                    # Revalidate (a cheap 304) so a new release's modules are
                    # never mixed with cached old ones.
                    cache = "no-cache"
                # Pages carry no secret, but a shared machine's cache should not
                # keep a signed-in page either: no-store above.
                added = [*ALWAYS_RAW, (b"content-security-policy", policy.encode())]
                if cache is not None:
                    added.append((b"cache-control", cache.encode()))
                headers.raw.extend(item for item in added if item[0] not in present)
            await send(message)

        await self.app(scope, receive, send_with_headers)
