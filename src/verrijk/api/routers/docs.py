"""GET /docs (Swagger UI) and /redoc (ReDoc) with their scripts served by verrijk itself (the fastapi-offline
package's copies), so the API documentation works where no CDN can be reached."""

from importlib.resources import files
from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from verrijk.deps import allow

router = APIRouter(include_in_schema=False, dependencies=[Depends(allow(public=True))])
ASSETS = files("fastapi_offline") / "static"
Asset = Literal["swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"]


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} – API",
        swagger_js_url="/docs/assets/swagger-ui-bundle.js",
        swagger_css_url="/docs/assets/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    return get_redoc_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} – API",
        redoc_js_url="/docs/assets/redoc.standalone.js",
        redoc_favicon_url="/static/favicon.svg",
        with_google_fonts=False,
    )


@router.get("/docs/assets/{name}")
def asset(name: Asset) -> FileResponse:
    return FileResponse(str(ASSETS / name), headers={"Cache-Control": "public, max-age=86400"})
