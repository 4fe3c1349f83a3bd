"""Signed PDFs of a delegation kept in the register's database: uploaded, verified, listed and downloaded."""
from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from ..errors import InvalidInput
from ..register.storage import WEB_TABLES
from .users import WebTables

# A signed letter of a few pages, with its signature and seal images, is well under this (and under the
# application's request limit, so the refusal is this one line rather than a bare 413).
MAX_SIGNED_BYTES = 800 * 1024

SIGNED = WEB_TABLES["web_signed_pdfs"]  # in the register's schema, migrated with it


class SignedFiles(WebTables):
    """The signed PDFs of one register's database."""

    def add(self, record_id: int, kind: str, file_name: str, body: bytes, summary: str, user: str) -> int:
        with self.register.transaction() as conn:
            return conn.execute(SIGNED.insert().values(
                record_id=record_id, kind=kind, file_name=file_name, body=body,
                sha256=hashlib.sha256(body).hexdigest(), summary=summary, user=user,
                at=dt.datetime.now(dt.timezone.utc))).inserted_primary_key[0]

    def of_records(self, record_ids: list[int]) -> dict[int, list]:
        """The files of each record (without their bytes), oldest first."""
        columns = [c for c in SIGNED.c if c.name != "body"]
        out: dict[int, list] = {}
        if not record_ids:
            return out
        with self.register.transaction() as conn:
            for row in conn.execute(sa.select(*columns).where(SIGNED.c.record_id.in_(record_ids))
                                    .order_by(SIGNED.c.id)):
                out.setdefault(row.record_id, []).append(row)
        return out

    def get(self, file_id: int):
        with self.register.transaction() as conn:
            return conn.execute(sa.select(SIGNED).where(SIGNED.c.id == file_id)).first()


def verified_summary(name: str, body: bytes, trust: list[str]) -> str:
    """The verification of an uploaded PDF as one line; InvalidInput when it has no signature or a bad one."""
    from .. import verify

    if not body.startswith(b"%PDF-"):
        raise InvalidInput(f"Tệp “{name}” không phải PDF.")
    with tempfile.TemporaryDirectory(prefix="formgen-web-") as tmp:
        path = Path(tmp) / "signed.pdf"
        path.write_bytes(body)
        try:
            result = verify(path, trust=trust)
        except InvalidInput as exc:  # no signature, or not a readable PDF: said of the file as it was sent
            raise InvalidInput(exc.message.replace(str(path), name) + " Không lưu vào sổ.") from None
    if not result.ok:
        raise InvalidInput(f"Tệp “{name}”: chữ ký số không hợp lệ hoặc tài liệu đã bị sửa sau khi ký; không lưu vào sổ.")
    who = ", ".join(s.signer or "không rõ" for s in result.signatures)
    trusted = "đã kiểm tra chuỗi chứng thư" if trust else "chỉ kiểm tra toàn vẹn (máy chủ chưa cấu hình chứng thư gốc)"
    return f"{len(result.signatures)} chữ ký hợp lệ ({who}); {trusted}."


def trust_roots() -> list[str]:
    """The roots the application was configured with (create_app(trust=...)); none: integrity only."""
    return list(current_app.config.get("FORMGEN_TRUST") or [])
