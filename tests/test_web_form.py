"""The secretary's form in the browser, as a browser without JavaScript sends it (Flask's test client)."""
from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("flask_smorest", reason="the web extra is not installed: pip install \".[web]\"")

from formgen import load, validate  # noqa: E402
from formgen.model import TripSchema  # noqa: E402
from formgen.policy import load_profile  # noqa: E402
from formgen.web import create_app  # noqa: E402
from formgen.web.form import Group, form_tree  # noqa: E402
from formgen.yamlio import parse_yaml  # noqa: E402

from helpers import docx_lines  # noqa: E402

ROOT = Path(__file__).parent.parent
DELEGATION_FILES = [p for p in sorted((ROOT / "fixtures").glob("**/*.yaml"))
                    if "delegations:" not in p.read_text(encoding="utf-8") and p.parent.name != "notices"
                    and p.parent.name != "batch"]


class FormReader(HTMLParser):
    """What a browser would send for the page's main form: every box with its value (checked boxes only)."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.inside = False
        self.select: str | None = None
        self.textarea: str | None = None
        self.text = ""
        self.buttons: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == "trip"
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            else:
                self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.fields.append((self.select, a.get("value", "")))
        elif tag == "textarea":
            self.textarea, self.text = a["name"], ""
        elif tag == "button" and a.get("value"):
            self.buttons.append(a["value"])

    def handle_data(self, data):
        if self.textarea:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.fields.append((self.textarea, self.text))
            self.textarea = None
        elif tag == "form":
            self.inside = False


def read_form(response) -> FormReader:
    reader = FormReader()
    reader.feed(response.get_data(as_text=True))
    return reader


def boxes(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The fields a person typed or sees, without the CSRF token (signed with the second it was made in: two pages
    a second apart carry different tokens, as one CI run found)."""
    return [(k, v) for k, v in fields if k != "csrf_token"]


def send(client, url, fields, action, **changes):
    """Post the page's fields back, with some boxes changed, pressing the button `action`."""
    data = [(k, v) for k, v in fields if k not in changes]
    data += list(changes.items()) + [("action", action)]
    body = "&".join(f"{_q(k)}={_q(v)}" for k, v in data)
    return client.post(url, data=body, content_type="application/x-www-form-urlencoded")


def _q(text: str) -> str:
    from urllib.parse import quote
    return quote(text, safe="")


@pytest.fixture
def client():
    return create_app(testing=True).test_client()


def opened(client, path: Path):
    response = client.post("/open", data={"file": (io.BytesIO(path.read_bytes()), path.name)},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def slot(response, box: str) -> str:
    """The text of the message slot beside a box (delegation.members -> msg-delegation-members)."""
    page = response.get_data(as_text=True)
    found = re.search(r'<div class="msg" id="msg-' + re.escape(box) + r'"[^>]*>(.*?)</div>', page, re.S)
    assert found, f"no slot {box}"
    return re.sub(r"<[^>]+>", " ", found.group(1))


# --- the form has every field, in Vietnamese --------------------------------------------------


def _fields(group: Group):
    for child in group.children:
        yield child
        if isinstance(child, Group):
            yield from _fields(child)


def test_every_field_of_the_input_has_a_vietnamese_label_not_its_key():
    names = [(n.path, n.label) for n in _fields(form_tree())]
    assert len([n for n in _fields(form_tree()) if not isinstance(n, Group)]) == _leaf_count(TripSchema())
    assert [p for p, label in names if not label or label == p.rsplit(".", 1)[-1] or label.isascii()] == []


def _leaf_count(schema) -> int:
    from marshmallow import fields
    total = 0
    for f in schema.fields.values():
        inner = f.inner if isinstance(f, fields.List) else f
        total += _leaf_count(inner.schema) if isinstance(inner, fields.Nested) else 1
    return total


def test_the_new_form_shows_every_section_with_rows_for_members_and_stops(client):
    page = client.get("/").get_data(as_text=True)
    for legend in ("Cơ quan ban hành", "Trưởng đoàn", "Thành viên", "Điểm đến", "Kinh phí",
                   "Tờ trình xin chủ trương", "Tờ trình xin bổ sung thành phần", "Văn bản cho phép", "Báo cáo kết quả"):
        assert f"<legend>{legend}</legend>" in page
    assert 'name="delegation.members.0.name"' in page
    assert 'value="add:delegation.stops"' in page and 'placeholder="dd/mm/yyyy"' in page


def test_focus_areas_are_the_profiles_choices(client):
    page = client.get("/").get_data(as_text=True)
    offered = re.findall(r'name="delegation.focus_areas" value="([^"]+)"', page)
    assert offered == list(load_profile("hau-giang-2024")["focus_areas"])


def test_the_page_loads_the_vendored_htmx_and_it_is_served(client):
    page = client.get("/").get_data(as_text=True)
    assert '/static/htmx.min.js' in page
    assert client.get("/static/htmx.min.js").status_code == 200
    assert (ROOT / "formgen" / "web" / "static" / "htmx.LICENSE").is_file()


# --- open and save: the same YAML the CLI reads -----------------------------------------------


@pytest.mark.parametrize("path", DELEGATION_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_file_opened_in_the_form_and_saved_is_the_same_delegation(client, path):
    form = read_form(opened(client, path))
    saved = send(client, "/download", form.fields, "save")
    assert saved.status_code == 200 and saved.mimetype == "application/yaml"
    again = parse_yaml(saved.get_data(as_text=True), "saved.yaml", literals=True)
    assert validate(again) == load(path)


def test_saving_then_opening_shows_the_same_boxes(client):
    first = read_form(opened(client, ROOT / "fixtures" / "report.yaml")).fields
    saved = send(client, "/download", first, "save").data
    response = client.post("/open", data={"file": (io.BytesIO(saved), "ho-so.yaml")},
                           content_type="multipart/form-data")
    assert boxes(read_form(response).fields) == boxes(first)


def test_dates_show_day_first_and_money_with_dots(client):
    fields = dict(read_form(opened(client, ROOT / "fixtures" / "request.yaml")).fields)
    assert fields["delegation.depart_on"] == "03/06/2024" and fields["delegation.funding.amount"] == "150.000.000"


def test_a_key_the_form_has_no_box_for_is_said_not_dropped_silently(client, tmp_path):
    path = tmp_path / "extra.yaml"
    path.write_text((ROOT / "fixtures" / "request.yaml").read_text(encoding="utf-8") + "notes: xin gấp\n",
                    encoding="utf-8")
    page = opened(client, path).get_data(as_text=True)
    assert "Khóa “notes” trong tệp không có trong mẫu dữ liệu" in page


def test_opening_broken_yaml_is_422_with_the_line(client):
    response = client.post("/open", data={"file": (io.BytesIO(b"issuer: [\n"), "hong.yaml")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "lỗi cú pháp YAML ở dòng" in response.get_data(as_text=True)


def test_opening_a_file_not_in_utf8_is_422_naming_it(client):
    response = client.post("/open", data={"file": (io.BytesIO("issuer: Sở".encode("utf-16")), "cu.yaml")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "cu.yaml" in response.get_data(as_text=True)


def test_opening_without_a_file_is_422(client):
    assert client.post("/open", data={}, content_type="multipart/form-data").status_code == 422


# --- rows, findings beside their box, documents -----------------------------------------------


def test_an_eleventh_person_under_a_head_shows_r06_beside_the_members_and_removing_one_clears_it(client):
    form = read_form(opened(client, ROOT / "fixtures" / "request.yaml")).fields
    page = send(client, "/", form, "check", **{"delegation.leader.rank": "head"})
    for n in range(7, 10):  # 7 people now; add rows up to 10
        page = send(client, "/", read_form(page).fields, "add:delegation.members")
        page = send(client, "/", read_form(page).fields, "check", **{f"delegation.members.{n - 1}.name": f"Người {n}"})
    assert "R06" not in slot(page, "delegation-members")
    page = send(client, "/", read_form(page).fields, "add:delegation.members")
    page = send(client, "/", read_form(page).fields, "check", **{"delegation.members.9.name": "Người Thứ Mười Một"})
    beside = slot(page, "delegation-members")
    assert "R06" in beside and "11 người" in beside and "Căn cứ" in beside
    page = send(client, "/", read_form(page).fields, "remove:delegation.members.9")
    assert "R06" not in slot(page, "delegation-members") and "Thứ Mười Một" not in page.get_data(as_text=True)


def test_a_field_error_shows_beside_its_box(client):
    form = read_form(opened(client, ROOT / "fixtures" / "request.yaml")).fields
    page = send(client, "/", form, "check", **{"delegation.stops.1.start": "31/06/2024"})
    assert "tháng 6 năm 2024 chỉ có 30 ngày" in slot(page, "delegation-stops-1-start")


def test_the_live_check_answers_the_panel_and_each_box_out_of_band(client):
    form = read_form(opened(client, ROOT / "fixtures" / "request.yaml")).fields
    response = send(client, "/check", form, "check", **{"delegation.depart_on": "99/99/2024"})
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith('<aside id="results"')
    assert re.search(r'id="msg-delegation-depart-on" hx-swap-oob="true"[^>]*>[^<]*<p[^>]*><b>LỖI</b>.*không có tháng 99',
                     page, re.S)


def test_the_deadlines_are_explained_day_by_day(client):
    page = opened(client, ROOT / "fixtures" / "request.yaml").get_data(as_text=True)
    assert "Hạn gửi văn bản trình" in page and "20/05/2024" in page
    assert "Cách đếm hạn R01" in page and "ngày làm việc thứ" in page


def test_the_documents_of_the_stage_are_offered_for_download(client):
    form = read_form(opened(client, ROOT / "fixtures" / "report.yaml"))
    assert {"docx:request", "pdf:request", "docx:report", "pdf:report", "ics", "save"} <= set(form.buttons)


def test_the_docx_button_downloads_the_document_with_what_was_typed(client, tmp_path):
    form = read_form(opened(client, ROOT / "fixtures" / "request.yaml")).fields
    response = send(client, "/download", form, "docx:request", **{"delegation.funding.amount": "120.500.000"})
    assert response.status_code == 200
    (tmp_path / "t.docx").write_bytes(response.data)
    text = "\n".join(docx_lines(tmp_path / "t.docx"))
    assert "120.500.000" in text and "Trần Thị Bích Ngọc" in text


def test_a_refused_download_is_the_page_again_with_the_reason(client):
    form = read_form(opened(client, ROOT / "fixtures" / "request.yaml")).fields
    response = send(client, "/download", form, "docx:request", **{"delegation.funding.amount": "abc"})
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert "Số tiền phải là số nguyên đồng" in slot(response, "delegation-funding-amount")


def test_the_ics_button_downloads_the_calendar(client):
    form = read_form(opened(client, ROOT / "fixtures" / "request.yaml")).fields
    response = send(client, "/download", form, "ics")
    assert response.mimetype == "text/calendar" and b"20240520" in response.data


def test_an_unknown_button_is_422_not_a_file(client):
    form = read_form(opened(client, ROOT / "fixtures" / "request.yaml")).fields
    assert send(client, "/download", form, "docx:../../etc/passwd").status_code == 422


def test_removing_a_row_that_does_not_exist_changes_nothing(client):
    form = read_form(opened(client, ROOT / "fixtures" / "request.yaml")).fields
    page = send(client, "/", form, "remove:delegation.members.99")
    assert boxes(read_form(page).fields) == boxes(form)


def test_adding_a_row_to_a_list_that_does_not_exist_is_422(client):
    assert send(client, "/", [], "add:delegation.nothing").status_code == 422


def test_a_policy_file_typed_in_the_form_is_refused_not_read(client, tmp_path, monkeypatch):
    from formgen.policy import profile as profiles
    read = []
    real = profiles._read
    monkeypatch.setattr(profiles, "_read", lambda name, *a: read.append(name) or real(name, *a))
    profile = tmp_path / "quy-dinh.yaml"
    profile.write_text("id: x\n", encoding="utf-8")
    form = read_form(opened(client, ROOT / "fixtures" / "request.yaml")).fields
    page = send(client, "/", form, "check", policy=str(profile))
    assert "Trên máy chủ chỉ dùng quy định có sẵn" in slot(page, "policy")
    download = send(client, "/download", form, "docx:request", policy=str(profile))
    assert download.status_code == 422 and str(profile) not in read


def _leader_key_box(response) -> dict | None:
    """The attributes of the leader's "Lãnh đạo chủ chốt" checkbox as the page shows it."""
    found = re.search(r'<input type="checkbox" id="delegation\.leader\.key_leader"([^>]*)>', response.get_data(as_text=True))
    return found and set(found.group(1).split())


def test_a_head_led_delegation_shows_its_leader_as_key_leader_ticked_and_locked(client, tmp_path):
    form = read_form(opened(client, ROOT / "fixtures" / "request.yaml")).fields
    head = send(client, "/", form, "check", **{"delegation.leader.rank": "head"})
    assert {"checked", "disabled"} <= _leader_key_box(head)
    assert "Đã đánh dấu sẵn: trưởng đoàn là người đứng đầu." in head.get_data(as_text=True)
    saved = send(client, "/download", read_form(head).fields, "save")
    (tmp_path / "h.yaml").write_bytes(saved.data)
    assert load(tmp_path / "h.yaml")["delegation"]["leader"]["key_leader"] is True
    deputy = send(client, "/", form, "check", **{"delegation.leader.rank": "deputy"})
    assert "disabled" not in _leader_key_box(deputy)  # a deputy is a key leader or not as ticked
