"""The citizen's local signing agent (`eds agent`): NCALayer's WebSocket protocol on 127.0.0.1.

Private keys never leave this package: a web page only ever receives CSRs, certificates and
signatures. No Flask here; the server is plain asyncio + ``websockets``.
"""
