from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'request_state.docx/word/document.xml@5a510a4aaa7fab0ccccb09bd2d84e0c6b4f81a214d284874b666f0ce56055862+jinja2-3.1.6+docxtpl-0.20.2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_parent = resolve('parent')
    l_0_issuer = resolve('issuer')
    l_0_national = resolve('national')
    l_0_motto = resolve('motto')
    l_0_number = resolve('number')
    l_0_date_line = resolve('date_line')
    l_0_type_title = resolve('type_title')
    l_0_subject = resolve('subject')
    l_0_recipient_label = resolve('recipient_label')
    l_0_recipient = resolve('recipient')
    l_0_regulation = resolve('regulation')
    l_0_issuer_name = resolve('issuer_name')
    l_0_purpose = resolve('purpose')
    l_0_weak_point = resolve('weak_point')
    l_0_focus_areas = resolve('focus_areas')
    l_0_stops = resolve('stops')
    l_0_size = resolve('size')
    l_0_leader_name = resolve('leader_name')
    l_0_leader_position = resolve('leader_position')
    l_0_key_leaders = resolve('key_leaders')
    l_0_approval = resolve('approval')
    l_0_size_limit = resolve('size_limit')
    l_0_members = resolve('members')
    l_0_depart = resolve('depart')
    l_0_return = resolve('return')
    l_0_funding_source = resolve('funding_source')
    l_0_amount = resolve('amount')
    l_0_amount_words = resolve('amount_words')
    l_0_year_count = resolve('year_count')
    l_0_year = resolve('year')
    l_0_report_days = resolve('report_days')
    l_0_report_deadline = resolve('report_deadline')
    l_0_cc_heading = resolve('cc_heading')
    l_0_cc = resolve('cc')
    l_0_signer_lines = resolve('signer_lines')
    l_0_signer_name = resolve('signer_name')
    try:
        t_1 = environment.filters['keep_last_words']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'keep_last_words' found.")
    try:
        t_2 = environment.filters['rule']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'rule' found.")
    pass
    yield '<?xml version=\'1.0\' encoding=\'UTF-8\' standalone=\'yes\'?>\n<w:document xmlns:wpc="http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas" xmlns:mo="http://schemas.microsoft.com/office/mac/office/2008/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:mv="urn:schemas-microsoft-com:mac:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:wp14="http://schemas.microsoft.com/office/word/2010/wordprocessingDrawing" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:w10="urn:schemas-microsoft-com:office:word" xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" xmlns:wpg="http://schemas.microsoft.com/office/word/2010/wordprocessingGroup" xmlns:wpi="http://schemas.microsoft.com/office/word/2010/wordprocessingInk" xmlns:wne="http://schemas.microsoft.com/office/word/2006/wordml" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" mc:Ignorable="w14 wp14"><w:body><w:tbl><w:tblPr><w:tblW w:type="auto" w:w="0"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/><w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid><w:gridCol w:w="3402"/><w:gridCol w:w="5953"/></w:tblGrid><w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="3402"/></w:tcPr>'
    if (undefined(name='parent') if l_0_parent is missing else l_0_parent):
        pass
        yield '\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:sz w:val="26"/></w:rPr><w:t xml:space="preserve">'
        yield escape((undefined(name='parent') if l_0_parent is missing else l_0_parent))
        yield '</w:t></w:r></w:p>'
    yield '\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="26"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='issuer') if l_0_issuer is missing else l_0_issuer))
    yield '</w:t></w:r></w:p>\n<w:p><w:pPr><w:spacing w:line="140" w:lineRule="exact"/><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:sz w:val="20"/></w:rPr><w:t xml:space="preserve">'
    yield escape(t_2((undefined(name='issuer') if l_0_issuer is missing else l_0_issuer), 13, True, 0.4, 5.62, 10))
    yield '</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="5953"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="26"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='national') if l_0_national is missing else l_0_national))
    yield '</w:t></w:r></w:p>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='motto') if l_0_motto is missing else l_0_motto))
    yield '</w:t></w:r></w:p>\n<w:p><w:pPr><w:spacing w:line="140" w:lineRule="exact"/><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:sz w:val="20"/></w:rPr><w:t xml:space="preserve">'
    yield escape(t_2((undefined(name='motto') if l_0_motto is missing else l_0_motto), 14, True, 1.0, 10.12, 10))
    yield '</w:t></w:r></w:p></w:tc></w:tr><w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="3402"/></w:tcPr>\n<w:p><w:pPr><w:spacing w:before="120"/><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:sz w:val="26"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='number') if l_0_number is missing else l_0_number))
    yield '</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="5953"/></w:tcPr>\n<w:p><w:pPr><w:spacing w:before="120"/><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:i/><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='date_line') if l_0_date_line is missing else l_0_date_line))
    yield '</w:t></w:r></w:p></w:tc></w:tr></w:tbl>\n<w:p><w:pPr><w:keepNext/><w:spacing w:before="360"/><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='type_title') if l_0_type_title is missing else l_0_type_title))
    yield '</w:t></w:r></w:p>\n<w:p><w:pPr><w:keepNext/><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
    yield escape(t_1((undefined(name='subject') if l_0_subject is missing else l_0_subject)))
    yield '</w:t></w:r></w:p>\n<w:p><w:pPr><w:spacing w:line="140" w:lineRule="exact"/><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:sz w:val="20"/></w:rPr><w:t xml:space="preserve">'
    yield escape(t_2((undefined(name='subject') if l_0_subject is missing else l_0_subject), 14, True, 0.4, 16.5, 10))
    yield '</w:t></w:r></w:p>\n<w:p><w:pPr><w:spacing w:after="240" w:before="240"/><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='recipient_label') if l_0_recipient_label is missing else l_0_recipient_label))
    yield ' '
    yield escape((undefined(name='recipient') if l_0_recipient is missing else l_0_recipient))
    yield '.</w:t></w:r></w:p>\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">Căn cứ '
    yield escape((undefined(name='regulation') if l_0_regulation is missing else l_0_regulation))
    yield ';</w:t></w:r></w:p>\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='issuer_name') if l_0_issuer_name is missing else l_0_issuer_name))
    yield ' kính trình '
    yield escape((undefined(name='recipient') if l_0_recipient is missing else l_0_recipient))
    yield ' xem xét, cho ý kiến về việc tổ chức đoàn đi học tập, trao đổi kinh nghiệm ngoài tỉnh như sau:</w:t></w:r></w:p>\n<w:p><w:pPr><w:keepNext/><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="28"/></w:rPr><w:t>1. Mục đích</w:t></w:r></w:p>\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='purpose') if l_0_purpose is missing else l_0_purpose))
    yield '</w:t></w:r></w:p>\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">Khâu yếu, vấn đề khó khăn, vướng mắc cần giải quyết: '
    yield escape((undefined(name='weak_point') if l_0_weak_point is missing else l_0_weak_point))
    yield '</w:t></w:r></w:p>\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">Lĩnh vực tập trung: '
    yield escape((undefined(name='focus_areas') if l_0_focus_areas is missing else l_0_focus_areas))
    yield '.</w:t></w:r></w:p>\n<w:p><w:pPr><w:keepNext/><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="28"/></w:rPr><w:t>2. Địa phương đến và nội dung học tập</w:t></w:r></w:p>'
    for l_1_s in (undefined(name='stops') if l_0_stops is missing else l_0_stops):
        _loop_vars = {}
        pass
        yield '\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">- '
        yield escape(environment.getattr(l_1_s, 'place_cap'))
        yield ', làm việc với '
        yield escape(environment.getattr(l_1_s, 'host'))
        yield ': học tập '
        yield escape(environment.getattr(l_1_s, 'model'))
        yield '.</w:t></w:r></w:p>'
    l_1_s = missing
    yield '\n<w:p><w:pPr><w:keepNext/><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="28"/></w:rPr><w:t>3. Thành phần đoàn</w:t></w:r></w:p>\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">Đoàn gồm '
    yield escape((undefined(name='size') if l_0_size is missing else l_0_size))
    yield ' người (kể cả trưởng đoàn), do đồng chí '
    yield escape((undefined(name='leader_name') if l_0_leader_name is missing else l_0_leader_name))
    yield ', '
    yield escape((undefined(name='leader_position') if l_0_leader_position is missing else l_0_leader_position))
    yield ' làm trưởng đoàn; '
    yield escape((undefined(name='key_leaders') if l_0_key_leaders is missing else l_0_key_leaders))
    yield '. '
    if (undefined(name='approval') if l_0_approval is missing else l_0_approval):
        pass
        yield 'Số người theo '
        yield escape((undefined(name='approval') if l_0_approval is missing else l_0_approval))
        yield '.'
    else:
        pass
        yield 'Số người trong giới hạn '
        yield escape((undefined(name='size_limit') if l_0_size_limit is missing else l_0_size_limit))
        yield ' người theo quy định.'
    yield ' Danh sách cụ thể:</w:t></w:r></w:p><w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:type="auto" w:w="0"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/><w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid><w:gridCol w:w="737"/><w:gridCol w:w="2154"/><w:gridCol w:w="2381"/><w:gridCol w:w="2268"/><w:gridCol w:w="1814"/></w:tblGrid><w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="737"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="26"/></w:rPr><w:t>STT</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="2154"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="26"/></w:rPr><w:t>Họ và tên</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="2381"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="26"/></w:rPr><w:t>Chức vụ</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="2268"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="26"/></w:rPr><w:t>Đơn vị công tác</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="1814"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="26"/></w:rPr><w:t>Ghi chú</w:t></w:r></w:p></w:tc></w:tr>'
    for l_1_m in (undefined(name='members') if l_0_members is missing else l_0_members):
        _loop_vars = {}
        pass
        yield '<w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="737"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:sz w:val="26"/></w:rPr><w:t xml:space="preserve">'
        yield escape(environment.getattr(l_1_m, 'stt'))
        yield '</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="2154"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="left"/></w:pPr><w:r><w:rPr><w:sz w:val="26"/></w:rPr><w:t xml:space="preserve">'
        yield escape(environment.getattr(l_1_m, 'name'))
        yield '</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="2381"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="left"/></w:pPr><w:r><w:rPr><w:sz w:val="26"/></w:rPr><w:t xml:space="preserve">'
        yield escape(environment.getattr(l_1_m, 'position'))
        yield '</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="2268"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="left"/></w:pPr><w:r><w:rPr><w:sz w:val="26"/></w:rPr><w:t xml:space="preserve">'
        yield escape(environment.getattr(l_1_m, 'unit'))
        yield '</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="1814"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="left"/></w:pPr><w:r><w:rPr><w:sz w:val="26"/></w:rPr><w:t xml:space="preserve">'
        yield escape(environment.getattr(l_1_m, 'note'))
        yield '</w:t></w:r></w:p></w:tc></w:tr>'
    l_1_m = missing
    yield '</w:tbl>\n<w:p><w:pPr><w:keepNext/><w:spacing w:after="120" w:line="276" w:lineRule="auto" w:before="120"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="28"/></w:rPr><w:t>4. Thời gian</w:t></w:r></w:p>\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">Từ ngày '
    yield escape((undefined(name='depart') if l_0_depart is missing else l_0_depart))
    yield ' đến ngày '
    yield escape((undefined(name='return') if l_0_return is missing else l_0_return))
    yield ' (kể cả thời gian đi và về), cụ thể:</w:t></w:r></w:p>'
    for l_1_s in (undefined(name='stops') if l_0_stops is missing else l_0_stops):
        _loop_vars = {}
        pass
        yield '\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">- '
        yield escape(environment.getattr(l_1_s, 'place_cap'))
        yield ': '
        yield escape(environment.getattr(l_1_s, 'when'))
        yield ' ('
        yield escape(environment.getattr(l_1_s, 'days'))
        yield ' ngày tại địa phương, không tính thời gian đi và về).</w:t></w:r></w:p>'
    l_1_s = missing
    yield '\n<w:p><w:pPr><w:keepNext/><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="28"/></w:rPr><w:t>5. Kinh phí</w:t></w:r></w:p>\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">Nguồn kinh phí: '
    yield escape((undefined(name='funding_source') if l_0_funding_source is missing else l_0_funding_source))
    yield '.</w:t></w:r></w:p>'
    if (undefined(name='amount') if l_0_amount is missing else l_0_amount):
        pass
        yield '\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">Dự toán: '
        yield escape((undefined(name='amount') if l_0_amount is missing else l_0_amount))
        yield ' (Bằng chữ: '
        yield escape((undefined(name='amount_words') if l_0_amount_words is missing else l_0_amount_words))
        yield ').</w:t></w:r></w:p>'
    if (undefined(name='year_count') if l_0_year_count is missing else l_0_year_count):
        pass
        yield '\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">Đây là đoàn thứ '
        yield escape((undefined(name='year_count') if l_0_year_count is missing else l_0_year_count))
        yield ' của đơn vị đi ngoài tỉnh trong năm '
        yield escape((undefined(name='year') if l_0_year is missing else l_0_year))
        yield '.</w:t></w:r></w:p>'
    yield '\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">Sau chuyến đi, trưởng đoàn gửi báo cáo kết quả, kinh nghiệm hay, cách làm hiệu quả và đề xuất, kiến nghị trong vòng '
    yield escape((undefined(name='report_days') if l_0_report_days is missing else l_0_report_days))
    yield ' ngày làm việc, chậm nhất '
    yield escape((undefined(name='report_deadline') if l_0_report_deadline is missing else l_0_report_deadline))
    yield '.</w:t></w:r></w:p>\n<w:p><w:pPr><w:keepNext/><w:keepLines/><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='issuer_name') if l_0_issuer_name is missing else l_0_issuer_name))
    yield ' kính trình '
    yield escape((undefined(name='recipient') if l_0_recipient is missing else l_0_recipient))
    yield ' xem xét, cho ý kiến./.</w:t></w:r></w:p><w:tbl><w:tblPr><w:tblW w:type="auto" w:w="0"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/><w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid><w:gridCol w:w="4252"/><w:gridCol w:w="5102"/></w:tblGrid><w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="4252"/></w:tcPr>\n<w:p><w:pPr><w:spacing w:before="120"/></w:pPr><w:r><w:rPr><w:b/><w:i/><w:sz w:val="24"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='cc_heading') if l_0_cc_heading is missing else l_0_cc_heading))
    yield '</w:t></w:r></w:p>'
    for l_1_line in (undefined(name='cc') if l_0_cc is missing else l_0_cc):
        _loop_vars = {}
        pass
        yield '\n<w:p><w:r><w:rPr><w:sz w:val="22"/></w:rPr><w:t xml:space="preserve">'
        yield escape(l_1_line)
        yield '</w:t></w:r></w:p>'
    l_1_line = missing
    yield '</w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="5102"/></w:tcPr>'
    for l_1_line in (undefined(name='signer_lines') if l_0_signer_lines is missing else l_0_signer_lines):
        _loop_vars = {}
        pass
        yield '\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
        yield escape(l_1_line)
        yield '</w:t></w:r></w:p>'
    l_1_line = missing
    yield '<w:p/><w:p/><w:p/><w:p/>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='signer_name') if l_0_signer_name is missing else l_0_signer_name))
    yield '</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:sectPr w:rsidR="00FC693F" w:rsidRPr="0006063C" w:rsidSect="00034616"><w:headerReference w:type="default" r:id="rId9"/><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="850" w:bottom="1134" w:left="1701" w:header="567" w:footer="720" w:gutter="0"/><w:cols w:space="720"/><w:titlePg/><w:docGrid w:linePitch="360"/></w:sectPr></w:body></w:document>'

blocks = {}
debug_info = '2=60&3=63&4=66&5=68&6=70&7=72&8=74&9=76&10=78&11=80&12=82&13=84&14=86&15=90&16=92&18=96&19=98&20=100&21=102&22=106&24=114&29=133&30=137&31=139&32=141&33=143&34=145&36=149&37=157&39=165&40=170&41=177&42=182&43=186&44=190&45=196&46=204&47=208'