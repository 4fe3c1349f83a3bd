"""The form in a real headless browser (Debian's chromium, driven by Playwright): a new delegation, typed."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

pytest.importorskip("flask_smorest", reason="the web extra is not installed: pip install \".[web]\"")
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)

from formgen.web import create_app  # noqa: E402

from helpers import docx_lines  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT = os.environ.get("FORMGEN_SCREENSHOT")  # where to keep a screenshot of the page, to look at it

FIELDS = {
    "issuer.name": "Sở Nội vụ", "issuer.parent": "UBND tỉnh Hậu Giang", "issuer.abbreviation": "SNV",
    "issuer.place": "Hậu Giang",
    "delegation.purpose": "Học tập kinh nghiệm vận hành Trung tâm Phục vụ hành chính công và số hóa hồ sơ.",
    "delegation.weak_point": "Tỷ lệ hồ sơ trực tuyến toàn trình còn thấp, nhiều thủ tục trễ hạn ở cấp huyện.",
    "delegation.leader.name": "Nguyễn Văn An", "delegation.leader.position": "Giám đốc Sở Nội vụ",
    "delegation.depart_on": "03/06/2024", "delegation.return_on": "07/06/2024",
    "delegation.stops.0.place": "thành phố Đà Nẵng", "delegation.stops.0.host": "Sở Nội vụ thành phố Đà Nẵng",
    "delegation.stops.0.model": "mô hình chính quyền số", "delegation.stops.0.start": "04/06/2024",
    "delegation.stops.0.end": "05/06/2024",
    "delegation.funding.source": "Ngân sách nhà nước giao năm 2024 cho Sở Nội vụ",
    "delegation.funding.amount": "150.000.000",
    "request.number": "5", "request.date": "20/05/2024", "request.recipient": "Ban Thường vụ Tỉnh ủy",
    "request.signer.name": "Nguyễn Văn An", "request.signer.title": "Giám đốc",
}
MEMBERS = ["Trần Thị Bích Ngọc", "Lê Hoàng Phúc", "Phạm Minh Đức", "Võ Thị Thu Hương", "Huỳnh Quốc Bảo",
           "Đặng Ngọc Ánh", "Bùi Văn Cường", "Hồ Thị Mai", "Ngô Thanh Tùng", "Lý Minh Khoa"]


@pytest.fixture
def server():
    """formgen serve's application on 127.0.0.1, CSRF on, in a thread; its address."""
    import waitress

    app = create_app()
    srv = waitress.create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.effective_port}"
    srv.close()
    thread.join(timeout=5)


@pytest.fixture
def page():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(accept_downloads=True, viewport={"width": 1300, "height": 1600})
            yield context.new_page()
        finally:
            browser.close()


def add_member(page, n: int, name: str) -> None:
    """Press “Thêm dòng” under the members (a plain submit: the page comes back with one more row), fill it."""
    if n:
        page.click('#sec-delegation-members > button.add')
        page.wait_for_selector(f'[name="delegation.members.{n}.name"]')
    page.fill(f'[name="delegation.members.{n}.name"]', name)
    page.fill(f'[name="delegation.members.{n}.position"]', "Chuyên viên")
    page.fill(f'[name="delegation.members.{n}.unit"]', "Sở Nội vụ")


@pytest.mark.slow
def test_a_new_delegation_typed_in_the_browser_shows_r06_then_downloads_its_docx(server, page, tmp_path):
    page.goto(server + "/")
    assert page.locator("h1").inner_text() == "Hồ sơ đoàn đi học tập, trao đổi kinh nghiệm ngoài tỉnh"
    for name, value in FIELDS.items():
        page.fill(f'[name="{name}"]', value)
    page.select_option('[name="delegation.leader.rank"]', "head")
    page.check('[name="delegation.focus_areas"][value="cải cách hành chính"]')
    for n, name in enumerate(MEMBERS[:9]):  # the head and nine: ten people, the head's limit
        add_member(page, n, name)
    members = page.locator("#msg-delegation-members")
    page.wait_for_timeout(1200)  # the live check after the last keystroke
    assert "R06" not in members.inner_text()

    add_member(page, 9, MEMBERS[9])  # the eleventh person: the live check (htmx) shows R06 beside the members
    sync_api.expect(members).to_contain_text("R06", timeout=10000)
    sync_api.expect(members).to_contain_text("11 người")
    sync_api.expect(members).to_contain_text("Căn cứ")
    # the deadlines' lines (“Hạn gửi báo cáo kết quả … sau ngày về”) in the page's font: a monospace one drew
    # “về” as “vê`” and “kết” as “kêt” (its tone marks beside the letter, not on it)
    deadlines = page.locator("pre.deadlines")
    sync_api.expect(deadlines).to_contain_text("Hạn gửi báo cáo kết quả: 21/06/2024")
    font = "e => getComputedStyle(e).fontFamily"
    assert deadlines.evaluate(font) == page.locator("body").evaluate(font)
    assert members.locator("code").first.evaluate(font).startswith('"Liberation Mono"')  # a path: monospace that
    # stacks the marks (a key may be Vietnamese)
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT, full_page=False)

    page.click('button[value="remove:delegation.members.9"]')  # remove one
    page.wait_for_selector('[name="delegation.members.8.name"]')
    assert page.locator('[name="delegation.members.9.name"]').count() == 0
    assert "R06" not in members.inner_text()

    with page.expect_download() as download:
        page.click('li[data-kind="request"] button[value="docx:request"]')
    saved = tmp_path / "to-trinh.docx"
    download.value.save_as(saved)
    text = "\n".join(docx_lines(saved))
    assert "Nguyễn Văn An" in text and "Ngô Thanh Tùng" in text and "Lý Minh Khoa" not in text
    assert "150.000.000" in text and "thành phố Đà Nẵng" in text
    assert Path(download.value.suggested_filename).suffix == ".docx"
