from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'annual_party.docx/word/document.xml@0aecf87f6a8d493a11ca9a2af89cf09e7d301d231213ff5a11154ed7f9897740+jinja2-3.1.6+docxtpl-0.20.2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_parent = resolve('parent')
    l_0_issuer = resolve('issuer')
    l_0_national = resolve('national')
    l_0_number = resolve('number')
    l_0_date_line = resolve('date_line')
    l_0_type_title = resolve('type_title')
    l_0_subject = resolve('subject')
    l_0_recipient_label = resolve('recipient_label')
    l_0_recipient = resolve('recipient')
    l_0_regulation = resolve('regulation')
    l_0_issuer_name = resolve('issuer_name')
    l_0_year = resolve('year')
    l_0_overview = resolve('overview')
    l_0_rows = resolve('rows')
    l_0_total_delegations = resolve('total_delegations')
    l_0_total_people = resolve('total_people')
    l_0_total_amount = resolve('total_amount')
    l_0_summary = resolve('summary')
    l_0_proposals = resolve('proposals')
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
    yield '<?xml version=\'1.0\' encoding=\'UTF-8\' standalone=\'yes\'?>\n<w:document xmlns:wpc="http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas" xmlns:mo="http://schemas.microsoft.com/office/mac/office/2008/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:mv="urn:schemas-microsoft-com:mac:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:wp14="http://schemas.microsoft.com/office/word/2010/wordprocessingDrawing" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:w10="urn:schemas-microsoft-com:office:word" xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" xmlns:wpg="http://schemas.microsoft.com/office/word/2010/wordprocessingGroup" xmlns:wpi="http://schemas.microsoft.com/office/word/2010/wordprocessingInk" xmlns:wne="http://schemas.microsoft.com/office/word/2006/wordml" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" mc:Ignorable="w14 wp14"><w:body><w:tbl><w:tblPr><w:tblW w:type="auto" w:w="0"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/><w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid><w:gridCol w:w="3969"/><w:gridCol w:w="5386"/></w:tblGrid><w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="3969"/></w:tcPr>'
    if (undefined(name='parent') if l_0_parent is missing else l_0_parent):
        pass
        yield '\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
        yield escape((undefined(name='parent') if l_0_parent is missing else l_0_parent))
        yield '</w:t></w:r></w:p>'
    yield '\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='issuer') if l_0_issuer is missing else l_0_issuer))
    yield '</w:t></w:r></w:p>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t>*</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="5386"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="30"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='national') if l_0_national is missing else l_0_national))
    yield '</w:t></w:r></w:p>\n<w:p><w:pPr><w:spacing w:line="140" w:lineRule="exact"/><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:sz w:val="20"/></w:rPr><w:t xml:space="preserve">'
    yield escape(t_2((undefined(name='national') if l_0_national is missing else l_0_national), 15, True, 1.0, 9.12, 10))
    yield '</w:t></w:r></w:p></w:tc></w:tr><w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="3969"/></w:tcPr>\n<w:p><w:pPr><w:spacing w:before="120"/><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='number') if l_0_number is missing else l_0_number))
    yield '</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="5386"/></w:tcPr>\n<w:p><w:pPr><w:spacing w:before="120"/><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:i/><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='date_line') if l_0_date_line is missing else l_0_date_line))
    yield '</w:t></w:r></w:p></w:tc></w:tr></w:tbl>\n<w:p><w:pPr><w:keepNext/><w:spacing w:before="360"/><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="32"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='type_title') if l_0_type_title is missing else l_0_type_title))
    yield '</w:t></w:r></w:p>\n<w:p><w:pPr><w:keepNext/><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
    yield escape(t_1((undefined(name='subject') if l_0_subject is missing else l_0_subject)))
    yield '</w:t></w:r></w:p>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t>-----</w:t></w:r></w:p>\n<w:p><w:pPr><w:spacing w:after="240" w:before="240"/><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='recipient_label') if l_0_recipient_label is missing else l_0_recipient_label))
    yield ' '
    yield escape((undefined(name='recipient') if l_0_recipient is missing else l_0_recipient))
    yield '.</w:t></w:r></w:p>\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">Thực hiện '
    yield escape((undefined(name='regulation') if l_0_regulation is missing else l_0_regulation))
    yield ', '
    yield escape((undefined(name='issuer_name') if l_0_issuer_name is missing else l_0_issuer_name))
    yield ' báo cáo tình hình tổ chức đoàn đi học tập, trao đổi kinh nghiệm ngoài tỉnh năm '
    yield escape((undefined(name='year') if l_0_year is missing else l_0_year))
    yield ' như sau:</w:t></w:r></w:p>\n<w:p><w:pPr><w:keepNext/><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="28"/></w:rPr><w:t>1. Tình hình chung</w:t></w:r></w:p>\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='overview') if l_0_overview is missing else l_0_overview))
    yield '</w:t></w:r></w:p>\n<w:p><w:pPr><w:keepNext/><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="28"/></w:rPr><w:t>2. Danh sách các đoàn</w:t></w:r></w:p><w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:type="auto" w:w="0"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/><w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid><w:gridCol w:w="680"/><w:gridCol w:w="1361"/><w:gridCol w:w="1701"/><w:gridCol w:w="794"/><w:gridCol w:w="1757"/><w:gridCol w:w="1474"/><w:gridCol w:w="1587"/></w:tblGrid><w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="680"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="22"/></w:rPr><w:t>STT</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="1361"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="22"/></w:rPr><w:t>Thời gian</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="1701"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="22"/></w:rPr><w:t>Địa phương đến</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="794"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="22"/></w:rPr><w:t>Số người</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="1757"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="22"/></w:rPr><w:t>Trưởng đoàn</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="1474"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="22"/></w:rPr><w:t>Kinh phí (đồng)</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="1587"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="22"/></w:rPr><w:t>Báo cáo</w:t></w:r></w:p></w:tc></w:tr>'
    for l_1_r in (undefined(name='rows') if l_0_rows is missing else l_0_rows):
        _loop_vars = {}
        pass
        yield '<w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="680"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:sz w:val="22"/></w:rPr><w:t xml:space="preserve">'
        yield escape(environment.getattr(l_1_r, 'stt'))
        yield '</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="1361"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="left"/></w:pPr><w:r><w:rPr><w:sz w:val="22"/></w:rPr><w:t xml:space="preserve">'
        yield escape(environment.getattr(l_1_r, 'when'))
        yield '</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="1701"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="left"/></w:pPr><w:r><w:rPr><w:sz w:val="22"/></w:rPr><w:t xml:space="preserve">'
        yield escape(environment.getattr(l_1_r, 'places'))
        yield '</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="794"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:sz w:val="22"/></w:rPr><w:t xml:space="preserve">'
        yield escape(environment.getattr(l_1_r, 'size'))
        yield '</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="1757"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="left"/></w:pPr><w:r><w:rPr><w:sz w:val="22"/></w:rPr><w:t xml:space="preserve">'
        yield escape(environment.getattr(l_1_r, 'leader'))
        yield '</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="1474"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="right"/></w:pPr><w:r><w:rPr><w:sz w:val="22"/></w:rPr><w:t xml:space="preserve">'
        yield escape(environment.getattr(l_1_r, 'amount'))
        yield '</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="1587"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="left"/></w:pPr><w:r><w:rPr><w:sz w:val="22"/></w:rPr><w:t xml:space="preserve">'
        yield escape(environment.getattr(l_1_r, 'report'))
        yield '</w:t></w:r></w:p></w:tc></w:tr>'
    l_1_r = missing
    yield '<w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="3742"/><w:gridSpan w:val="3"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="22"/></w:rPr><w:t xml:space="preserve">Tổng cộng: '
    yield escape((undefined(name='total_delegations') if l_0_total_delegations is missing else l_0_total_delegations))
    yield ' đoàn</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="794"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="22"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='total_people') if l_0_total_people is missing else l_0_total_people))
    yield '</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="1757"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="left"/></w:pPr></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="1474"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="right"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="22"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='total_amount') if l_0_total_amount is missing else l_0_total_amount))
    yield '</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="1587"/></w:tcPr>\n<w:p><w:pPr><w:jc w:val="left"/></w:pPr></w:p></w:tc></w:tr></w:tbl>'
    if (undefined(name='summary') if l_0_summary is missing else l_0_summary):
        pass
        yield '\n<w:p><w:pPr><w:keepNext/><w:spacing w:after="120" w:line="276" w:lineRule="auto" w:before="120"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="28"/></w:rPr><w:t>3. Đánh giá chung</w:t></w:r></w:p>'
    for l_1_line in (undefined(name='summary') if l_0_summary is missing else l_0_summary):
        _loop_vars = {}
        pass
        yield '\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
        yield escape(l_1_line)
        yield '</w:t></w:r></w:p>'
    l_1_line = missing
    if (undefined(name='proposals') if l_0_proposals is missing else l_0_proposals):
        pass
        yield '\n<w:p><w:pPr><w:keepNext/><w:spacing w:after="120" w:line="276" w:lineRule="auto" w:before="120"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
        if (undefined(name='summary') if l_0_summary is missing else l_0_summary):
            pass
            yield '4'
        else:
            pass
            yield '3'
        yield '. Đề xuất, kiến nghị</w:t></w:r></w:p>'
    for l_1_line in (undefined(name='proposals') if l_0_proposals is missing else l_0_proposals):
        _loop_vars = {}
        pass
        yield '\n<w:p><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
        yield escape(l_1_line)
        yield '</w:t></w:r></w:p>'
    l_1_line = missing
    yield '\n<w:p><w:pPr><w:keepNext/><w:keepLines/><w:spacing w:after="120" w:line="276" w:lineRule="auto" w:before="120"/><w:ind w:firstLine="720"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='issuer_name') if l_0_issuer_name is missing else l_0_issuer_name))
    yield ' kính báo cáo '
    yield escape((undefined(name='recipient') if l_0_recipient is missing else l_0_recipient))
    yield './.</w:t></w:r></w:p><w:tbl><w:tblPr><w:tblW w:type="auto" w:w="0"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/><w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid><w:gridCol w:w="4252"/><w:gridCol w:w="5102"/></w:tblGrid><w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="4252"/></w:tcPr>\n<w:p><w:pPr><w:spacing w:before="120"/></w:pPr><w:r><w:rPr><w:sz w:val="28"/><w:u w:val="single"/></w:rPr><w:t xml:space="preserve">'
    yield escape((undefined(name='cc_heading') if l_0_cc_heading is missing else l_0_cc_heading))
    yield '</w:t></w:r></w:p>'
    for l_1_line in (undefined(name='cc') if l_0_cc is missing else l_0_cc):
        _loop_vars = {}
        pass
        yield '\n<w:p><w:r><w:rPr><w:sz w:val="24"/></w:rPr><w:t xml:space="preserve">'
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
debug_info = '2=47&3=50&4=53&6=55&7=57&8=59&9=61&10=63&11=65&13=67&14=71&16=77&24=79&25=83&26=85&27=87&28=89&29=91&30=93&31=95&32=99&33=101&35=103&36=105&37=108&38=112&39=118&40=129&41=133&42=137&43=143&44=151&45=155'