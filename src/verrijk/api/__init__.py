"""The HTTP API: FastAPI app, one router per resource, auth and RFC 9457 errors."""
