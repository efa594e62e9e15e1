"""Trusted publishers: a CI job's OIDC token exchanged for a short-lived push
credential (issue 20). `conditions` matches claims, `keys` fetches and caches
issuers' JWKS, `verification` checks a token, `credentials` mints and verifies
what the exchange hands out, `exchange` is the HTTP endpoint."""
