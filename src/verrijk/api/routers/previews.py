"""/records/{id}/media/{position}: a record's image (a JPEG preview, optionally cut to a region) or recording, served
by verrijk so pages can show it under their Content-Security-Policy; recordings answer byte ranges, so a player can
seek to a suggestion's time span."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from verrijk.api.errors import described
from verrijk.deps import scoped
from verrijk.domain import ALL_ROLES, Id
from verrijk.review.media import XYWH, preview
from verrijk.store.repo import Repo

router = APIRouter(prefix="/records", tags=["records"])
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
REGION_WORDS = "a Media Fragments region: xywh=x,y,w,h in pixels (e.g. xywh=0,0,200,100) or xywh=percent:x,y,w,h"
MEDIA = {200: {"content": {"image/jpeg": {}, "audio/*": {}, "video/*": {}}, "description": "the medium"}}


@router.get("/{record_id}/media/{position}", response_class=Response, responses=MEDIA)
def record_medium(
    record_id: Id,
    position: Annotated[int, Path(ge=0, le=10_000)],
    request: Request,
    size: Annotated[int, Query(ge=16, le=2000, description="longest side of an image preview, in pixels")] = 800,
    region: Annotated[
        str | None,
        Query(
            max_length=100,
            pattern=described(XYWH.pattern, REGION_WORDS),
            description="cut an image to a Media Fragments region first: xywh=x,y,w,h (pixels) or xywh=percent:...",
        ),
    ] = None,
    repo: Repo = Depends(scoped(*ALL_ROLES)),
) -> Response:
    shown = preview(repo, request.app.state.settings, record_id, position, size, region)
    headers = {"Cache-Control": "private, max-age=3600", "Accept-Ranges": "bytes"}
    total = len(shown.data)
    match = RANGE.match(request.headers.get("range", ""))
    if match and any(match.groups()):
        first, last = match.groups()
        start = int(first) if first else max(0, total - int(last))
        end = min(total - 1, int(last)) if first and last else total - 1
        if start > end or start >= total:
            return Response(status_code=416, headers={"Content-Range": f"bytes */{total}"})
        headers["Content-Range"] = f"bytes {start}-{end}/{total}"
        return Response(shown.data[start : end + 1], 206, headers, media_type=shown.mime)
    return Response(shown.data, headers=headers, media_type=shown.mime)
