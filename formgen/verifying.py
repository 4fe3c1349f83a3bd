"""Checking the digital signatures of a PDF (pyHanko's validator): signer, role, time, integrity, what changed after
each, the trust chain to given roots; formgen's own deadline stamp is the one change after signing it accepts."""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from numbers import Number
from pathlib import Path

from pypdf import PdfReader

from .errors import InvalidInput

from .signing import ROLES, VIETNAM, open_pdf, subject_of
from .stamping import read_pdf


# --- verifying -----------------------------------------------------------------------------------


@dataclass
class SignatureCheck:
    """One signature as the validator sees it."""

    field: str
    role: str | None
    signer: str | None
    organisation: str | None
    time: str | None
    intact: bool
    valid: bool
    trusted: bool | None          # None: no trust roots given
    changed_after: str            # none, signatures, annotations, form, appended, other
    covers_whole_file: bool
    problem: str | None = None
    timestamp: str | None = None  # a timestamp server's time (--timestamp), ISO 8601 in Vietnam time

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted is not False and self.changed_after not in UNSAFE

    def as_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}


@dataclass
class Verification:
    source: Path
    signatures: list[SignatureCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.signatures)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


CHANGES = {"none": "không", "signatures": "chỉ thêm chữ ký sau", "annotations": "chỉ thêm chú thích (dấu, ghi chú)",
           "form": "chỉ điền biểu mẫu", "other": "CÓ — nội dung đã bị sửa",
           "appended": "CÓ — có dữ liệu lạ ghi thêm vào cuối tệp sau chữ ký"}
UNSAFE = frozenset({"other", "appended"})
# Bytes after the last revision's %%EOF that are only line ends or spaces (a mail client's or a copy's padding)
# are not content; anything else there is data no signature covers, hidden from viewers that stop at %%EOF
# and read by the forgiving ones that scan for objects.
PADDING = b" \t\r\n"


def trust_roots(paths) -> list:
    from pyhanko.keys import load_certs_from_pemder
    roots = []
    for path in paths or ():
        try:
            roots += list(load_certs_from_pemder([str(path)]))
        except Exception as exc:
            raise InvalidInput(f"Không đọc được chứng thư gốc “{path}” (PEM hoặc DER): {type(exc).__name__}.") from None
    return roots


def _diff_policy():
    """pyHanko's difference analysis, taught formgen's deadline stamp.

    pyHanko knows signatures and form fields, not annotations: the stamp formgen adds to a signed PDF
    (stamping.py) — a /Stamp annotation named formgen-stamp-N, its appearance's new objects, and its
    page, changed in /Annots alone — would count as a change of content. These rules clear exactly
    that, at the level of an added annotation.
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.sign.diff_analysis import (DEFAULT_DIFF_POLICY, FormUpdate, FormUpdatingRule, ModificationLevel,
                                            QualifiedWhitelistRule, ReferenceUpdate, SigFieldCreationRule,
                                            StandardDiffPolicy, SuspiciousModification)

    def pages(old_node, new_node, depth=0):
        if depth > 32:
            return
        for old_ref, new_ref in zip(old_node.raw_get("/Kids"), new_node.raw_get("/Kids")):
            if not isinstance(new_ref, generic.IndirectObject) or not isinstance(old_ref, generic.IndirectObject) \
                    or old_ref.reference != new_ref.reference:
                continue
            old_kid, new_kid = old_ref.get_object(), new_ref.get_object()
            if old_kid.get("/Type") == "/Pages":
                yield from pages(old_kid, new_kid, depth + 1)
            else:
                yield new_ref.reference, old_kid, new_kid

    def annots(page) -> list:
        value = page.raw_get("/Annots") if "/Annots" in page else None
        value = value.get_object() if value is not None else ()
        return [a.reference for a in value if isinstance(a, generic.IndirectObject)]

    def stamps(old, new) -> dict:
        """The formgen stamps added since old, by reference, with their page's reference and both page states."""
        found = {}
        for ref, before, after in pages(old.root["/Pages"], new.root["/Pages"]):
            for added in set(annots(after)) - set(annots(before)):
                annot = new.get_object(added)
                if annot.get("/Subtype") == "/Stamp" and str(annot.get("/NM", "")).startswith("formgen-stamp-") \
                        and old.is_ref_unassignable(added):
                    found[added] = (ref, before, after)
        return found

    def same(before, after) -> bool:
        """The page as it was but for /Annots; pypdf writes a page's numbers back shorter (595.303937007874
        as 595.303937), which moves nothing on the page."""
        if set(before) - {"/Annots"} != set(after) - {"/Annots"}:
            return False
        for key in set(before) - {"/Annots"}:
            a, b = before.raw_get(key), after.raw_get(key)
            if a != b and not (isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and all(
                    isinstance(x, Number) and isinstance(y, Number) and abs(float(x) - float(y)) < 1e-3
                    for x, y in zip(a, b))):
                return False
        return True

    class StampRule(QualifiedWhitelistRule):
        """The stamp annotation, what its appearance brings, and its page when only /Annots grew."""

        def apply_qualified(self, old, new):
            for ref, (page, before, after) in stamps(old, new).items():
                kept = annots(before)
                if not same(before, after) or [r for r in annots(after) if r in kept] != kept:
                    continue
                cleared = {ref, page} | {r for r in new.collect_dependencies(new.get_object(ref).raw_get("/AP"))
                                         if old.is_ref_unassignable(r)}
                raw = after.raw_get("/Annots")
                if isinstance(raw, generic.IndirectObject):
                    cleared.add(raw.reference)
                for r in cleared:
                    yield ModificationLevel.ANNOTATIONS, ReferenceUpdate(r)

    class SignatureFields(SigFieldCreationRule):
        """pyHanko's rule for new signature fields, whose check of the pages' new annotations also
        accepts formgen's stamps (a later signature and a stamp after it, seen from the first)."""

        def __init__(self):
            super().__init__(approve_widget_bindings=False)

        def apply(self, context):
            yield from super().apply(context)
            widgets = {}
            for name, spec in context.field_specs.items():
                if spec.field_type != "/Sig" or spec.old_field_ref:
                    continue
                kids = spec.new_field_ref.get_object().get("/Kids")
                if kids is None:
                    widgets[spec.new_field_ref] = name
                else:
                    widgets.update({k.reference: name for k in kids.get_object()
                                    if isinstance(k, generic.IndirectObject) and "/T" not in k.get_object()})
            if not widgets:
                return
            added_stamps = stamps(context.old, context.new)
            for ref, before, after in pages(context.old.root["/Pages"], context.new.root["/Pages"]):
                added = set(annots(after)) - set(annots(before))
                if not added or added <= added_stamps.keys():
                    continue  # unchanged, or the stamp's alone (StampRule)
                if set(annots(before)) - set(annots(after)):
                    raise SuspiciousModification(f"Annotations were deleted from page {ref}.")
                unknown = added - widgets.keys() - added_stamps.keys()
                if unknown or not same(before, after):
                    raise SuspiciousModification(f"The newly added annotations {unknown} were not recognised.")
                names = {widgets[r] for r in added if r in widgets}
                name = names.pop() if len(names) == 1 else None
                yield ModificationLevel.LTA_UPDATES, FormUpdate(updated_ref=ref, field_name=name,
                                                                valid_when_locked=name is not None)
                raw = after.raw_get("/Annots")
                if isinstance(raw, generic.IndirectObject) and context.old.is_ref_unassignable(raw.reference):
                    yield ModificationLevel.LTA_UPDATES, FormUpdate(updated_ref=raw.reference, field_name=name,
                                                                    valid_when_locked=name is not None)

    default = DEFAULT_DIFF_POLICY
    field_rules = [SignatureFields() if isinstance(r, SigFieldCreationRule) else r for r in default.form_rule.field_rules]
    return StandardDiffPolicy(global_rules=[*default.global_rules, StampRule()],
                              form_rule=FormUpdatingRule(field_rules=field_rules,
                                                         ignored_acroform_keys=default.form_rule.ignored_acroform_keys))


def verify_pdf(src, *, trust=None) -> Verification:
    """Check every signature of src: integrity, the signer's key, what changed after, the chain to trust's roots.

    Raises InvalidInput (exit 2) when src is not a PDF or has no signature.
    """
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    src = Path(src)
    roots = trust_roots(trust)
    data = read_pdf(src, "kiểm tra chữ ký")
    _, hanko = open_pdf(src, data, "kiểm tra chữ ký")
    found = hanko.embedded_signatures
    if not found:
        raise InvalidInput(f"Tệp “{src}” không có chữ ký số nào.")
    levels = {ModificationLevel.NONE: "none", ModificationLevel.LTA_UPDATES: "signatures",
              ModificationLevel.FORM_FILLING: "signatures", ModificationLevel.ANNOTATIONS: "annotations"}
    roles = {f: role for role, (f, _, _) in ROLES.items()}
    result = Verification(src)
    for sig in found:
        cert = sig.signer_cert
        check = dict(field=sig.field_name, role=roles.get(sig.field_name), signer=subject_of(cert, "common_name"),
                     organisation=subject_of(cert, "organization_name"),
                     time=_vietnam(sig.self_reported_timestamp))
        context = ValidationContext(trust_roots=roots, allow_fetching=False) if roots else \
            ValidationContext(trust_roots=[], allow_fetching=False)
        try:
            status = validate_pdf_signature(sig, context, diff_policy=_diff_policy())
        except Exception as exc:
            result.signatures.append(SignatureCheck(**check, intact=False, valid=False, trusted=False if roots else None,
                                                    changed_after="other", covers_whole_file=False,
                                                    problem=f"{type(exc).__name__}: {exc}"))
            continue
        whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        level = status.modification_level
        changed = "none" if whole else levels.get(level, "other")
        if changed == "signatures" and not _later_signature(sig, found):
            changed = "form"
        if status.coverage not in (SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION) \
                or status.docmdp_ok is False:
            changed = "other"
        elif not whole and _bytes_after_last_revision(hanko, data):
            changed = "appended"
        result.signatures.append(SignatureCheck(
            **check, intact=bool(status.intact), valid=bool(status.valid),
            trusted=bool(status.trusted) if roots else None, changed_after=changed, covers_whole_file=whole,
            problem=None, timestamp=_vietnam(getattr(status.timestamp_validity, "timestamp", None))))
    return result


def _vietnam(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(VIETNAM).isoformat() if moment else None


def _bytes_after_last_revision(hanko, data: bytes) -> bool:
    """Whether data goes on, past padding, after the end of the file's last revision (no xref describes it)."""
    last = hanko.xrefs.total_revisions - 1
    end = _revision_end(data, hanko.xrefs.get_startxref_for_revision(last))
    return bool(data[end:].strip(PADDING))


def _revision_end(data: bytes, startxref: int) -> int:
    """The offset just past the %%EOF that closes the revision whose xref starts at startxref."""
    at = data.find(b"%%EOF", startxref)
    return len(data) if at < 0 else at + len(b"%%EOF")


def _later_signature(sig, found) -> bool:
    return any(other.signed_revision > sig.signed_revision for other in found)


def check_lines(result: Verification) -> list[str]:
    """What verify prints: one line per signature, then the verdict."""
    lines = []
    for i, s in enumerate(result.signatures, 1):
        yes = lambda v: "có" if v else "KHÔNG"  # noqa: E731
        role = ROLES[s.role][2] if s.role else "không rõ vai trò"
        trust = "không kiểm tra (thiếu --trust)" if s.trusted is None else yes(s.trusted)
        who = s.signer or "không rõ"
        if s.organisation and s.organisation != s.signer:
            who += f", {s.organisation}"
        when = s.time or "không rõ"
        if s.timestamp:
            when += f" (dấu thời gian {s.timestamp})"
        line = (f"Chữ ký {i} ({s.field}, {role}): {who}; ký lúc {when}; toàn vẹn: {yes(s.intact)}; "
                f"chữ ký đúng khóa: {yes(s.valid)}; sửa sau khi ký: {CHANGES[s.changed_after]}; "
                f"tin cậy theo chứng thư gốc: {trust}.")
        if s.problem:
            line += f" Lỗi: {s.problem}."
        lines.append(line)
    lines.append(f"Hợp lệ: cả {len(result.signatures)} chữ ký." if result.ok else
                 f"Không hợp lệ: {sum(not s.ok for s in result.signatures)} trong {len(result.signatures)} chữ ký "
                 "không đúng, không được tin cậy hoặc tài liệu đã bị sửa sau khi ký.")
    return lines


def is_signed(src) -> bool:
    """Whether a PDF carries a filled signature field (a stamp on it is then an unsigned annotation)."""
    from .stamping import signature_kind
    try:
        return signature_kind(PdfReader(str(src))) is not None
    except Exception:
        return False
