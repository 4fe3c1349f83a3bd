from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'report_state.docx/word/document.xml@4702a61496789f5d90af1c253277bf41fa92826d1610ae742a18435befc3ed9a+jinja2-3.1.6+docxtpl-0.20.2'

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
    l_0_basis = resolve('basis')
    l_0_issuer_name = resolve('issuer_name')
    l_0_size = resolve('size')
    l_0_leader_name = resolve('leader_name')
    l_0_leader_position = resolve('leader_position')
    l_0_depart = resolve('depart')
    l_0_return = resolve('return')
    l_0_stops = resolve('stops')
    l_0_actual = resolve('actual')
    l_0_results = resolve('results')
    l_0_good_practices = resolve('good_practices')
    l_0_proposals = resolve('proposals')
    l_0_late = resolve('late')
    l_0_report_days = resolve('report_days')
    l_0_report_deadline = resolve('report_deadline')
    l_0_delay_reason = resolve('delay_reason')
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
    yield '.</w:t></w:r></w:p>\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='basis') if l_0_basis is missing else l_0_basis))
    yield ', đoàn đi học tập, trao đổi kinh nghiệm của '
    yield escape((undefined(name='issuer_name') if l_0_issuer_name is missing else l_0_issuer_name))
    yield ' gồm '
    yield escape((undefined(name='size') if l_0_size is missing else l_0_size))
    yield ' người, do đồng chí '
    yield escape((undefined(name='leader_name') if l_0_leader_name is missing else l_0_leader_name))
    yield ', '
    yield escape((undefined(name='leader_position') if l_0_leader_position is missing else l_0_leader_position))
    yield ' làm trưởng đoàn, đã đi từ ngày '
    yield escape((undefined(name='depart') if l_0_depart is missing else l_0_depart))
    yield ' đến ngày '
    yield escape((undefined(name='return') if l_0_return is missing else l_0_return))
    yield ':</w:t></w:r></w:p>'
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
    for l_1_line in (undefined(name='actual') if l_0_actual is missing else l_0_actual):
        _loop_vars = {}
        pass
        yield '\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
        yield escape(l_1_line)
        yield '</w:t></w:r></w:p>'
    l_1_line = missing
    yield '\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t>Đoàn báo cáo kết quả như sau:</w:t></w:r></w:p>\n<w:p><w:pPr><w:keepNext/><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="28"/></w:rPr><w:t>I. KẾT QUẢ ĐẠT ĐƯỢC</w:t></w:r></w:p>'
    for l_1_line in (undefined(name='results') if l_0_results is missing else l_0_results):
        _loop_vars = {}
        pass
        yield '\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
        yield escape(l_1_line)
        yield '</w:t></w:r></w:p>'
    l_1_line = missing
    yield '\n<w:p><w:pPr><w:keepNext/><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="28"/></w:rPr><w:t>II. KINH NGHIỆM HAY, CÁCH LÀM HIỆU QUẢ</w:t></w:r></w:p>'
    for l_1_line in (undefined(name='good_practices') if l_0_good_practices is missing else l_0_good_practices):
        _loop_vars = {}
        pass
        yield '\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
        yield escape(l_1_line)
        yield '</w:t></w:r></w:p>'
    l_1_line = missing
    yield '\n<w:p><w:pPr><w:keepNext/><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="28"/></w:rPr><w:t>III. ĐỀ XUẤT, KIẾN NGHỊ</w:t></w:r></w:p>'
    for l_1_line in (undefined(name='proposals') if l_0_proposals is missing else l_0_proposals):
        _loop_vars = {}
        pass
        yield '\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
        yield escape(l_1_line)
        yield '</w:t></w:r></w:p>'
    l_1_line = missing
    if (undefined(name='late') if l_0_late is missing else l_0_late):
        pass
        yield '\n<w:p><w:pPr><w:keepNext/><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="28"/></w:rPr><w:t>IV. LÝ DO GỬI BÁO CÁO CHẬM</w:t></w:r></w:p>\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">Báo cáo gửi sau thời hạn '
        yield escape((undefined(name='report_days') if l_0_report_days is missing else l_0_report_days))
        yield ' ngày làm việc kể từ ngày về (hạn chót '
        yield escape((undefined(name='report_deadline') if l_0_report_deadline is missing else l_0_report_deadline))
        yield '), vì:</w:t></w:r></w:p>'
        for l_1_line in (undefined(name='delay_reason') if l_0_delay_reason is missing else l_0_delay_reason):
            _loop_vars = {}
            pass
            yield '\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
            yield escape(l_1_line)
            yield '</w:t></w:r></w:p>'
        l_1_line = missing
    yield '\n<w:p><w:pPr><w:keepNext/><w:keepLines/><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">Trên đây là báo cáo kết quả đoàn đi học tập, trao đổi kinh nghiệm ngoài tỉnh, kính gửi '
    yield escape((undefined(name='recipient') if l_0_recipient is missing else l_0_recipient))
    yield ' xem xét./.</w:t></w:r></w:p><w:tbl><w:tblPr><w:tblW w:type="auto" w:w="0"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/><w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid><w:gridCol w:w="4252"/><w:gridCol w:w="5102"/></w:tblGrid><w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="4252"/></w:tcPr>\n<w:p><w:pPr><w:spacing w:before="120"/></w:pPr><w:r><w:rPr><w:b/><w:i/><w:sz w:val="24"/></w:rPr><w:t xml:space="preserve">'
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
debug_info = '2=54&3=57&4=60&5=62&6=64&7=66&8=68&9=70&10=72&11=74&12=76&13=78&14=80&15=84&16=102&17=113&19=117&20=121&21=125&22=129&23=133&24=137&26=143&27=151&28=155&29=157&30=163&31=171&32=175'