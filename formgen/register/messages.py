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
}
