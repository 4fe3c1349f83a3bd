"""What the register says: every message it prints, as templates with named placeholders."""
from __future__ import annotations

from .. import tables

MESSAGES = {
    "newer": ("Sổ đăng ký “{where}” có lược đồ phiên bản {found}, mới hơn phiên bản {known} mà formgen "
              "{version} đọc được; hãy cập nhật formgen (không sửa sổ bằng phiên bản cũ)."),
    "foreign": "Tệp “{where}” không phải sổ đăng ký của formgen (đã có bảng khác: {tables}).",
    "not_database": "Tệp “{where}” không phải sổ đăng ký của formgen (không phải cơ sở dữ liệu SQLite).",
    "cannot_open": "Không mở được sổ đăng ký “{where}”: {reason}.",
    "busy": ("Sổ đăng ký “{where}” đang bận (một lệnh khác đang ghi quá {seconds} giây); chưa ghi gì, "
             "hãy chạy lại lệnh."),
    "failed": "Lỗi cơ sở dữ liệu của sổ đăng ký “{where}”: {reason}.",
    "backend": ("Sổ đăng ký không dùng được cơ sở dữ liệu “{backend}”: chỉ SQLite (một đường dẫn tệp) hoặc "
                "PostgreSQL (postgresql+psycopg://người-dùng:mật-khẩu@máy/tên-csdl)."),
    "driver": ("Sổ đăng ký trên {backend} cần trình điều khiển chưa cài ({reason}); với PostgreSQL: "
               "pip install 'formgen[postgres]'."),
    "not_recordable": "Chưa ghi được đoàn vào sổ đăng ký.",
    "needs": "Sổ đăng ký cần {what} để nhận ra đoàn.",
    "not_a_trip": "Tệp tổng hợp năm không ghi vào sổ đăng ký; hãy ghi từng tệp đoàn.",
    "no_record": "Sổ đăng ký không có đoàn số {id}.",
    "bad_id": "Số đăng ký “{id}” không hợp lệ: phải là số nguyên.",
    "bad_state": "Trạng thái “{value}” không có; chọn: {choices}.",
    "bad_page": "Trang {page}, {limit} đoàn mỗi trang: trang và số đoàn mỗi trang đều phải là số từ 1.",
    "no_unit": "Sổ đăng ký chưa có đoàn nào của đơn vị “{unit}”.",
    "memory": ("Sổ đăng ký “{where}” không nằm trong tệp nào: sổ trong bộ nhớ (hoặc đường dẫn trống) mất hết "
               "khi lệnh kết thúc; hãy ghi đường dẫn tệp SQLite (ví dụ formgen-register.sqlite) hoặc URL "
               "PostgreSQL."),
    "no_location": ("Đường dẫn sổ đăng ký đang để trống (một sổ như vậy mất hết khi lệnh kết thúc); hãy ghi đường "
                    "dẫn tệp SQLite (ví dụ formgen-register.sqlite) hoặc URL PostgreSQL."),
    "refused": "Chưa ghi gì vào sổ đăng ký: đoàn vi phạm quy định.",
    "number_taken": ("Tờ trình số {number} năm {year} của đơn vị {unit} đã ghi cho đoàn số {id} (đi {depart}, trưởng "
                     "đoàn {leader}), khác cả ngày đi lẫn trưởng đoàn của tệp này; chưa ghi gì. Nếu đúng là đoàn "
                     "số {id}, hãy ghi lại và chỉ rõ số đăng ký {id}; nếu là đoàn khác, hãy sửa số tờ trình."),
    "numbered_twice": ("Tờ trình số {number} năm {year} của đơn vị {unit} đã ghi cho nhiều đoàn (số {ids}); chưa ghi "
                       "gì. Hãy chỉ rõ số đăng ký của đoàn mà tệp này cập nhật."),
    "two_records": ("Tệp này là đoàn số {first} nhưng cũng trùng đoàn số {second} (cùng ngày đi {depart}, trưởng "
                    "đoàn {leader}); chưa ghi gì. Hãy xóa đoàn ghi nhầm rồi ghi lại."),
    "other_unit": ("Đoàn số {id} là của đơn vị {unit}, tệp này của đơn vị {other}; không ghi tệp vào đoàn của đơn vị "
                   "khác."),
    "one_id": "Chỉ rõ số đăng ký được khi ghi đúng một tệp.",
    # tables
    "table_type": "Chỉ nhập, xuất được bảng .csv hoặc .xlsx, không nhận “{name}”.",
    "table_write": "Không ghi được bảng “{path}”: {reason}.",
    "bad_rows": "Bảng có {count} lỗi; chưa nhập dòng nào.",
    "missing_column": "Thiếu cột “{column}”.",
    "missing_size": "Thiếu cột “Số người” (hoặc cột “Thành viên” ghi tên từng người).",
    "blank": "Ô bắt buộc đang để trống.",
    "not_date": "“{value}” không phải là ngày; hãy ghi 03/06/2024, 2024-06-03 hoặc định dạng ô là ngày.",
    "not_count": tables.MESSAGES["not_count"],
    "return_before": "Ngày về {back} trước ngày đi {depart}.",
    "size_mismatch": tables.MESSAGES["size_mismatch"],
    "no_code": "Chưa có mã đơn vị, và sổ đăng ký chưa có đơn vị nào tên “{name}” để lấy mã.",
    "no_name": "Chưa có tên đơn vị, và sổ đăng ký chưa có đơn vị nào mã “{code}” để lấy tên.",
    "no_place": "Chưa có địa danh nơi ban hành văn bản của đơn vị (ví dụ “Hậu Giang”).",
    "twice_row": "Trùng với dòng {first}: cùng đơn vị, ngày đi và trưởng đoàn.",
    "from_file": ("Đoàn đã có trong sổ (số {id}, ghi từ tệp “{source}”) nhưng khác ở cột {columns}; đoàn ghi "
                  "từ tệp thì sửa tệp rồi ghi lại (formgen register add), không sửa qua bảng."),
    # outgoing documents (sổ đăng ký văn bản đi)
    "not_numberable": "Chưa cấp được số văn bản: sổ đăng ký cần biết văn bản của đoàn nào.",
    "no_term": ("Văn bản của cấp ủy, tổ chức đảng đánh số từ 01 theo nhiệm kỳ cấp ủy ({basis}): hãy ghi ngày đầu "
                "nhiệm kỳ vào issuer.term_start (ngày liền kề sau ngày bế mạc đại hội, ví dụ 16/10/2020)."),
    "before_term": ("Văn bản ngày {day} trước ngày đầu nhiệm kỳ {start} (issuer.term_start): văn bản thuộc nhiệm kỳ "
                    "trước, hoặc ngày đầu nhiệm kỳ ghi sai."),
    "bad_period": "Thể thức “{style}” ghi numbering.period “{period}”: chỉ có year (theo năm) hoặc term (nhiệm kỳ).",
    "other_sequence": ("Văn bản này đã được cấp số {notation} ngày {day} (số đăng ký {id}); ngày văn bản nay thuộc "
                       "{scope}. Hãy hủy số cũ (formgen register cancel --id {id} --reason ...) rồi lập lại."),
    "renumbered": ("Văn bản này đã được cấp số {notation} (số đăng ký {id}), tệp lại ghi số {typed}; chưa ghi gì. "
                   "Hãy bỏ số trong tệp (giữ số đã cấp), hoặc hủy số cũ (formgen register cancel --id {id}) rồi lập "
                   "lại."),
    "typed_taken": ("Số {number} ({scope}) đã cấp cho văn bản khác: {title}, ngày {day} (số đăng ký {id}, tệp "
                    "“{source}”); chưa ghi gì. Hãy để trống số để sổ cấp số tiếp theo."),
    "typed_cancelled": ("Số {number} ({scope}) đã bị hủy (số đăng ký {id}: {title}, ngày {day}); số đã hủy không "
                        "dùng lại; chưa ghi gì. Hãy để trống số để sổ cấp số tiếp theo."),
    "typed_ahead": ("Số {typed} ghi trong tệp lớn hơn số tiếp theo của sổ ({following}, {scope}): các số ở giữa "
                    "không có trong sổ của formgen."),
    "cancelled_note": "Đã hủy số ngày {on} ({by}): {reason}",
    "no_reason": "Hủy số văn bản phải ghi lý do (--reason).",
    "no_by": "Hủy số văn bản phải ghi người hủy (--by).",
    "cancel_which": "Chỉ rõ số cần hủy: --id N, hoặc --unit MÃ --year NĂM --number SỐ.",
    "no_number": "Sổ đăng ký văn bản đi không có {wanted}.",
    "ambiguous_number": "Có nhiều văn bản {wanted}: {choices}; hãy chỉ rõ bằng --id.",
    "already_cancelled": "Số {notation} đã bị hủy ngày {on} ({by}): {reason}.",
    "book_type": "Sổ đăng ký văn bản đi chỉ ghi ra được tệp .xlsx hoặc .pdf, không nhận “{name}”.",
    "book_empty": "Sổ đăng ký văn bản đi chưa có văn bản nào năm {year}{unit}; chưa ghi tệp nào.",
}
