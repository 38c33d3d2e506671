"""What a newcomer sees on an installation where nothing has been reviewed yet: pages that say so."""

from __future__ import annotations

import pytest
from webforms import sign_in


@pytest.mark.parametrize(("language", "said"), [("nl", "Nog geen beslissingen"), ("en", "No decisions yet")])
def test_the_dashboard_says_there_are_no_decisions_yet_instead_of_empty_charts(client, org, language, said):
    assert sign_in(client, api_key=org.keys["cataloger"]).status_code == 303
    page = client.get("/web/dashboard", headers={"Accept": "text/html", "Accept-Language": language})
    assert page.status_code == 200
    assert page.text.count(said) == 3  # per day, per enricher, calibration
    assert "<svg" not in page.text
