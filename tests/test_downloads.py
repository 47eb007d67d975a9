"""Downloading a locked version's outputs: who may, what they get, and the audit of it."""

import io
import re

import pytest
from sqlalchemy import select

from forum.exports import FORMATS, canonical_json, sha256_hex
from forum.extensions import db
from forum.models import AuditEvent
from forum.models.version import PlanVersion
from forum.services.downloads import locked_version
from tests.conftest import sign_in
from tests.sample_versions import sample_document

pytestmark = pytest.mark.exports


def store_version(forum, chair, number: int = 1) -> dict:
    """Store the sample document as locked version `number` of forum (as the lock would)."""
    document = sample_document()
    document["forum"].update(id=forum.id, reference=forum.reference)
    document["version"]["number"] = number
    db.session.add(
        PlanVersion(
            forum_id=forum.id,
            number=number,
            locked_by=chair.id,
            canonical_json=canonical_json(document),
            sha256=sha256_hex(document),
        )
    )
    db.session.commit()
    return document


@pytest.fixture
def locked(people):
    chair = people.user("chair@example.org")
    people.user("school@example.org", agency="School")
    people.user("outsider@example.org", agency="Housing")
    people.user("admin@example.org", agency="Council", admin=True)
    forum = people.forum("RF-2026-01", **{"school@example.org": "observer"})
    store_version(forum, chair)
    return forum


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_participant_downloads_each_format_and_it_is_audited(client, locked, fmt):
    sign_in(client, "school@example.org")
    response = client.get(f"/forums/{locked.id}/versions/1/download/{fmt}")
    assert response.status_code == 200
    assert response.content_type == FORMATS[fmt].media_type
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(
        rf'attachment; filename="RF-2026-01_v1_[a-z-]+\.{FORMATS[fmt].extension}"', disposition
    )
    assert len(response.data) > 100
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "version.download"))
    assert event.detail == {"version": 1, "format": fmt} and event.forum_id == locked.id


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_non_participant_gets_404_for_every_format(client, locked, fmt):
    sign_in(client, "outsider@example.org")
    # The same answer as for a forum that does not exist: an outsider cannot learn which ids exist.
    assert client.get(f"/forums/{locked.id}/versions/1/download/{fmt}").status_code == 404
    assert client.get(f"/forums/{locked.id + 1000}/versions/1/download/{fmt}").status_code == 404
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "version.download")) is None


def test_an_administrator_who_is_not_a_participant_may_not_read_or_download(client, locked):
    sign_in(client, "admin@example.org")
    assert client.get(f"/forums/{locked.id}/versions").status_code == 404
    assert client.get(f"/forums/{locked.id}/versions/1").status_code == 404
    assert client.get(f"/forums/{locked.id}/versions/1/download/json").status_code == 404
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "version.download")) is None


@pytest.mark.parametrize("path", ["versions/2/download/pdf", "versions/1/download/exe", "versions/2"])
def test_unknown_version_or_format_is_404(client, locked, path):
    sign_in(client, "school@example.org")
    assert client.get(f"/forums/{locked.id}/{path}").status_code == 404


def test_never_locked_forum_has_no_outputs(client, locked, people):
    other = people.forum("RF-2", **{"school@example.org": "contributor"})
    sign_in(client, "school@example.org")
    page = client.get(f"/forums/{other.id}/versions").get_data(as_text=True)
    assert "has not been locked yet" in page and "/download/" not in page
    assert client.get(f"/forums/{other.id}/versions/1/download/pdf").status_code == 404


def test_version_page_lists_downloads_and_hash(client, locked):
    sign_in(client, "school@example.org")
    page = client.get(f"/forums/{locked.id}/versions/1").get_data(as_text=True)
    row = db.session.scalar(select(PlanVersion))
    assert row.sha256 in page and "OFFICIAL-SENSITIVE" in page
    assert page.count("/versions/1/download/") == len(FORMATS)
    assert "&lt;script&gt;" in page and "<script>alert" not in page


@pytest.mark.parametrize("fmt", ["json", "md", "csv", "ics"])
def test_same_version_downloads_byte_identical(client, locked, fmt):
    sign_in(client, "school@example.org")
    first = client.get(f"/forums/{locked.id}/versions/1/download/{fmt}").data
    second = client.get(f"/forums/{locked.id}/versions/1/download/{fmt}").data
    assert first == second


def test_cli_export_writes_the_file(runner, locked, tmp_path):
    out = tmp_path / "plan.json"
    result = runner.invoke(
        args=["forum", "export", str(locked.id), "--version", "1", "--format", "json", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == FORMATS["json"].render(locked_version(locked.id, 1)[1])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--version", "9", "--format", "pdf"], "no version 9"),
        (["--version", "1", "--format", "exe"], "Unknown format"),
    ],
)
def test_cli_export_refusals(runner, locked, tmp_path, args, message):
    out = tmp_path / "x"
    result = runner.invoke(args=["forum", "export", str(locked.id), *args, "--out", str(out)])
    assert result.exit_code == 1 and message in result.output and not out.exists()


def test_pdf_page_renders_to_a_png_that_looks_like_a_record(client, locked, tmp_path):
    pdfium = pytest.importorskip("pypdfium2")
    sign_in(client, "school@example.org")
    pdf = client.get(f"/forums/{locked.id}/versions/1/download/pdf").data
    document = pdfium.PdfDocument(io.BytesIO(pdf))
    try:
        page = document[0]
        image = page.render(scale=1).to_pil().convert("L")
        page.close()
    finally:
        document.close()
    image.save(tmp_path / "plan-page-1.png")
    width, height = image.size
    assert abs(height / width - 297 / 210) < 0.01  # A4 portrait
    dark = sum(image.histogram()[:128])
    assert 0.01 < dark / (width * height) < 0.5  # text on a white page, not blank, not black


def test_version_and_history_pages_show_uk_dates_and_the_presenting_agency(client, locked):
    sign_in(client, "school@example.org")
    page = client.get(f"/forums/{locked.id}/versions/1").get_data(as_text=True)
    assert "16 June 2026, 15:40 BST (Europe/London)" in page and "2026-06-16T15:40:12" not in page
    assert "Tuesday 15 September 2026" in page and "2026-09-15" not in page  # review date
    assert "Friday 3 July 2026" in page and "2026-07-03" not in page  # an action's due date
    assert "Armley Early Help Hub" in page
    history = client.get(f"/forums/{locked.id}/versions").get_data(as_text=True)
    assert "(UTC)" not in history and "(Europe/London)" in history
