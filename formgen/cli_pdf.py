"""The PDF commands (stamp, sign, verify), loaded when one of them runs: pypdf and reportlab come with them."""
from __future__ import annotations

import os

import click

from . import load, sign, stamp, verify
from .cli_base import (Command, DateParam, OutputParam, calendar_of, emit, font_option, json_option, notices_option,
                       overwrite_option, policy_option)
from .errors import InvalidInput
from .signing import ENV_PASSWORD, ROLES
from .verifying import check_lines, is_signed


@click.command("stamp", cls=Command)
@click.argument("src", type=click.Path(), metavar="IN.pdf")
@click.option("-o", "--output", "out", required=True, type=OutputParam(), help="PDF đầu ra / output PDF.")
@click.option("--trip", type=click.Path(), help="Tệp hồ sơ đoàn / the delegation file.")
@click.option("--depart", "depart_on", type=DateParam(), help="Ngày đi / departure date.")
@click.option("--return", "return_on", type=DateParam(), help="Ngày về / return date.")
@click.option("--all-pages", is_flag=True, help="Đóng dấu mọi trang (mặc định: trang đầu) / every page.")
@click.option("--rule-codes", is_flag=True,
              help="Ghi cả mã quy tắc (R01, R07) trên dấu / print the rule codes on the stamp too.")
@font_option
@policy_option
@notices_option
@overwrite_option
@json_option
def stamp_cmd(src, out, trip, depart_on, return_on, all_pages, rule_codes, font, policy, notices, overwrite,
              as_json):
    """Đóng dấu hạn chót lên một PDF bất kỳ / stamp any PDF with the regulation's deadlines."""
    if bool(trip) == bool(depart_on):
        raise InvalidInput("Cần đúng một trong hai: --trip TỆP hoặc --depart NGÀY.")
    if return_on and depart_on and return_on < depart_on:
        raise InvalidInput("Ngày về (--return) trước ngày đi (--depart).")
    path = stamp(src, out, trip=load(trip) if trip else None, depart_on=depart_on, return_on=return_on,
                 profile=policy, calendar=calendar_of(notices), font=font, all_pages=all_pages, rule_codes=rule_codes,
                 overwrite=overwrite)
    notes = [STAMP_ON_SIGNED] if is_signed(src) else []
    emit(as_json, {"outputs": [path], **({"notes": notes} if notes else {})},
          [f"Ghi chú: {note}" for note in notes] + [f"Đã đóng dấu / stamped: {path}"])


STAMP_ON_SIGNED = ("tệp đã có chữ ký số: dấu hạn chót được thêm như một chú thích không ký (annotation), ghi nối "
                   "tiếp sau phần đã ký nên các chữ ký vẫn hợp lệ; formgen verify báo “chỉ thêm chú thích”.")


@click.command("sign", cls=Command)
@click.argument("src", type=click.Path(), metavar="IN.pdf")
@click.option("-o", "--output", "out", required=True, type=OutputParam("da-ky.pdf"), help="PDF đã ký / signed PDF.")
@click.option("--p12", type=click.Path(dir_okay=False), metavar="TỆP.p12",
              help="Tệp khóa PKCS#12 (.p12, .pfx) / a PKCS#12 key file.")
@click.option("--pkcs11-lib", type=click.Path(dir_okay=False), metavar="LIB.so",
              help="Thư viện PKCS#11 của token USB hoặc HSM / the token's PKCS#11 library.")
@click.option("--token-label", metavar="NHÃN", help="Nhãn token / token label.")
@click.option("--key-label", metavar="NHÃN", help="Nhãn khóa và chứng thư trên token / key and certificate label.")
@click.option("--password", metavar="MẬT-KHẨU", default=None,
              help=f"Mật khẩu tệp khóa hoặc mã PIN (nên dùng ${ENV_PASSWORD} hoặc để formgen hỏi) / the password "
                   "or PIN (better: the environment variable or the prompt).")
@click.option("--as", "role", type=click.Choice(list(ROLES)), default="person", show_default=True,
              help="Ký với tư cách: người có thẩm quyền, cơ quan (sau người ký, có dấu), văn bản kèm theo / "
                   "sign as the person, the agency (after the person, with the seal) or an attachment's agency.")
@click.option("--image", type=click.Path(dir_okay=False), metavar="ẢNH.png",
              help="Ảnh chữ ký (person) hoặc con dấu (agency), .png nền trong suốt / signature or seal image.")
@click.option("--timestamp", metavar="URL", help="Máy chủ dấu thời gian RFC 3161 / timestamp server.")
@click.option("--number", metavar="SỐ/KÝ-HIỆU",
              help="Số, ký hiệu văn bản cho --as attachment (mặc định: đọc ở trang đầu) / the attachment's number.")
@font_option
@overwrite_option
@json_option
def sign_cmd(src, out, p12, pkcs11_lib, token_label, key_label, password, role, image, timestamp, number, font,
             overwrite, as_json):
    """Ký số PDF đúng vị trí NĐ 30/2020 / sign a PDF where NĐ 30/2020 puts the signature.

    Mật khẩu hoặc mã PIN: --password, hoặc biến môi trường FORMGEN_SIGN_PASSWORD, hoặc được hỏi (không hiện chữ).
    Đóng dấu hạn chót trước rồi mới ký / stamp the deadlines first, then sign.
    """
    if password is None:
        password = os.environ.get(ENV_PASSWORD)
    if password is None:
        password = click.prompt("Mật khẩu khóa / mã PIN", hide_input=True, err=True)
    signed = sign(src, out, p12=p12, pkcs11_lib=pkcs11_lib, token_label=token_label, key_label=key_label,
                  password=password, role=role, image=image, timestamp=timestamp, number=number, font=font,
                  overwrite=overwrite)
    emit(as_json, {"outputs": [signed.output], "signatures": [signed.as_dict()]},
          [f"Đã ký ({ROLES[role][2]}: {signed.signer}, trang {signed.page}, lúc {signed.time}) / signed: "
           f"{signed.output}"])


@click.command("verify", cls=Command)
@click.argument("src", type=click.Path(), metavar="FILE.pdf")
@click.option("--trust", multiple=True, type=click.Path(dir_okay=False), metavar="CA.pem",
              help="Chứng thư gốc tin cậy (PEM hoặc DER; nhiều lần được) / trusted root certificate(s).")
@json_option
def verify_cmd(src, trust, as_json):
    """Kiểm tra chữ ký số của PDF / check a PDF's signatures.

    Mã thoát / exit: 0 mọi chữ ký hợp lệ / all valid; 1 có chữ ký sai hoặc tài liệu bị sửa / any invalid or
    modified; 2 không phải PDF hoặc không có chữ ký / not a PDF or no signature.
    """
    result = verify(src, trust=list(trust))
    signatures = [s.as_dict() for s in result.signatures]
    emit(as_json, {"signatures": signatures, "source": str(src),
                    "counts": {"signatures": len(signatures), "valid": sum(s["ok"] for s in signatures)},
                    **({} if result.ok else {"error": "invalid_signature"})},
          check_lines(result), exit_code=result.exit_code)
