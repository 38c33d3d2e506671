"""What a reviewer or volunteer sees of a suggestion: the record it belongs to, the text of the field it points
into (or the medium and the place in it), and the volunteers' votes so far."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from verrijk.records import field_text
from verrijk.review.media import MediaView, media_view
from verrijk.review.queue import volunteer_view
from verrijk.store.repo import Repo
from verrijk.store.tables import Suggestion


@dataclass
class ReviewItem:
    suggestion: Suggestion
    record_title: str
    text: str  # the text of the field the suggestion points into ("" when the field holds no text)
    volunteer_votes: dict[str, int] = field(default_factory=dict)
    media: MediaView | None = None  # the image or recording a suggestion on a medium points into


def items_for(repo: Repo, suggestions: Sequence[Suggestion]) -> list[ReviewItem]:
    """The suggestions as review items, in the order given."""
    votes = volunteer_view(repo, [s.id for s in suggestions])
    records = repo.records_by_id([s.record_id for s in suggestions], media=True)
    return [
        ReviewItem(
            s,
            records[s.record_id].title,
            field_text(records[s.record_id], s.field) or "",
            votes.get(s.id, {}),
            media_view(records[s.record_id], s),
        )
        for s in suggestions
    ]
