"""`/docs` works offline (issue 14, item 11; reproduction 9: blank without internet, Swagger
UI came from a CDN): every service serves Swagger UI's assets from a Python package."""

import re

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from complaint_archive.app import build as build_archive
from complaint_archive.settings import ArchiveSettings
from complaint_classifier.app import build as build_classifier
from complaint_classifier.settings import ClassifierSettings
from complaint_intake.app import build as build_intake
from complaint_intake.settings import IntakeSettings
from complaint_notifier.app import build as build_notifier
from complaint_notifier.settings import NotifierSettings

pytestmark = pytest.mark.unit
SOURCES = re.compile(r"""(?:src|href)=["']([^"']+)["']|url:\s*['"]([^'"]+)['"]""")


def apps() -> dict[str, FastAPI]:
    return {
        "intake": build_intake(IntakeSettings()),
        "archive": build_archive(ArchiveSettings()),
        "notifier": build_notifier(NotifierSettings(webhook_secret="w" * 40)),
        "classifier": build_classifier(ClassifierSettings()),
    }


@pytest.mark.parametrize("service", ["intake", "archive", "notifier", "classifier"])
async def test_docs_load_everything_from_the_service_itself(service: str) -> None:
    app = apps()[service]
    async with AsyncClient(transport=ASGITransport(app), base_url="http://svc") as http:
        page = await http.get("/docs")
        assert page.status_code == 200
        links = [a or b for a, b in SOURCES.findall(page.text)]
        assert links, page.text
        assert all(link.startswith("/") for link in links), links  # nothing from elsewhere
        assert "/openapi.json" in links
        for link in links:
            answer = await http.get(link)
            assert answer.status_code == 200, link
        script = await http.get("/docs/assets/swagger-ui-bundle.js")
        assert "SwaggerUIBundle" in script.text[:2_000_000]
