"""Build the shipped Word templates (letter_templates/*.docx) with python-docx, reproducibly.

Run: python -m casework.documents.make_templates [target_dir [file.docx …]] (every file is written anew, with the
time of writing in its zip entries: name only the template you added or changed). Layout per ГОСТ Р 7.0.97-2016 practice:
Times New Roman 13 pt, addressee block top right, title centred, body justified with a 1.25 cm indent,
tables for calculations and schedules, the enterprise's signatory at the end.
"""
from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_ALIGN_VERTICAL, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

FONT = "Times New Roman"


def new_doc(size: int = 13, landscape: bool = False):
    doc = Document()
    st = doc.styles["Normal"]
    st.font.name = FONT
    st.font.size = Pt(size)
    st.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    pf = st.paragraph_format
    pf.space_after = Pt(0)
    pf.space_before = Pt(0)
    pf.line_spacing = 1.0
    sec = doc.sections[0]
    sec.page_height, sec.page_width = Cm(29.7), Cm(21.0)
    if landscape:
        from docx.enum.section import WD_ORIENT

        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_height, sec.page_width = Cm(21.0), Cm(29.7)
    sec.left_margin, sec.right_margin = Cm(2.5), Cm(1.5)
    sec.top_margin, sec.bottom_margin = Cm(2.0), Cm(2.0)
    return doc


def p(doc, text="", bold=False, align="justify", indent=True, size=None, italic=False, space_after=0):
    """One paragraph with one run (so a Jinja tag never splits across runs)."""
    par = doc.add_paragraph()
    par.alignment = {"justify": WD_ALIGN_PARAGRAPH.JUSTIFY, "center": WD_ALIGN_PARAGRAPH.CENTER,
                     "right": WD_ALIGN_PARAGRAPH.RIGHT, "left": WD_ALIGN_PARAGRAPH.LEFT}[align]
    if indent and align == "justify":
        par.paragraph_format.first_line_indent = Cm(1.25)
    if space_after:
        par.paragraph_format.space_after = Pt(space_after)
    if text:
        r = par.add_run(text)
        r.bold, r.italic = bold, italic
        if size:
            r.font.size = Pt(size)
    return par


def rich(doc, parts, align="justify", indent=True):
    """A paragraph of several runs: parts = [(text, bold)], each run holds whole tags only."""
    par = p(doc, "", align=align, indent=indent)
    for text, bold in parts:
        par.add_run(text).bold = bold
    return par


def ctl(doc, tag):
    """A paragraph-level Jinja control ({%p if … %}, {%p for … %}, {%p endif %})."""
    return p(doc, "{%p " + tag + " %}", align="left", indent=False)


def block_right(doc, lines):
    """Addressee block: top right (left indent 9 cm)."""
    for text, bold in lines:
        par = doc.add_paragraph()
        par.paragraph_format.left_indent = Cm(9.0)
        par.alignment = WD_ALIGN_PARAGRAPH.LEFT
        par.add_run(text).bold = bold


def letterhead(doc):
    """Enterprise letterhead with the outgoing number and date (top left)."""
    par = p(doc, "{{ org_name }}", bold=True, align="left", indent=False)
    p(doc, "{{ org_postal_address }}", align="left", indent=False, size=10)
    p(doc, "ИНН {{ org_inn }}, КПП {{ org_kpp }}, ОГРН {{ org_ogrn }}", align="left", indent=False, size=10)
    p(doc, "тел. {{ org_phone }}, {{ org_email }}", align="left", indent=False, size=10)
    p(doc, "Исх. № {{ doc_number }} от {{ doc_date_short }}", align="left", indent=False, space_after=6)
    return par


def title(doc, text, sub=None):
    p(doc, "")
    p(doc, text, bold=True, align="center", indent=False)
    if sub:
        p(doc, sub, align="center", indent=False)
    p(doc, "")


def _borders(table, on=True):
    tbl = table._tbl
    pr = tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single" if on else "nil")
        if on:
            el.set(qn("w:sz"), "4")
            el.set(qn("w:color"), "000000")
        borders.append(el)
    pr.append(borders)


def loop_table(doc, headers, loop, cells, total=None, size=11, widths=None):
    """A table: header row, `{%tr for … %}` row, the data row, `{%tr endfor %}` row and an optional total row."""
    t = doc.add_table(rows=0, cols=len(headers))
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    _borders(t)

    def row(values, bold=False, align=WD_ALIGN_PARAGRAPH.CENTER):
        r = t.add_row()
        for i, v in enumerate(values):
            c = r.cells[i]
            c.text = ""
            par = c.paragraphs[0]
            par.alignment = align
            run = par.add_run(v)
            run.bold = bold
            run.font.size = Pt(size)
            if widths:
                c.width = Cm(widths[i])
        return r

    head = row(headers, bold=True)
    # the header row repeats on every page and never stays alone at the foot of one (a clerk reads a table whose
    # rows start on the next page as a cut-off table)
    head_props = head._tr.get_or_add_trPr()
    for tag in ("w:tblHeader", "w:cantSplit"):
        head_props.append(OxmlElement(tag))
    for c in head.cells:
        c.paragraphs[0].paragraph_format.keep_with_next = True
    row(["{%tr for " + loop + " %}"] + [""] * (len(headers) - 1))
    row(cells)
    row(["{%tr endfor %}"] + [""] * (len(headers) - 1))
    if total:
        row(total, bold=True)
    p(doc, "")
    return t


def signature(doc, left="{{ signatory_position }}", right="{{ signatory_initials }}", org=True):
    p(doc, "")
    t = doc.add_table(rows=1, cols=3)
    _borders(t, on=False)
    c = t.rows[0].cells
    c[0].text = left
    if org:
        c[0].add_paragraph("{{ org_short_name }}")
    c[1].text = "____________________"
    c[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    c[2].text = right
    c[2].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def date_line(doc):
    """The document's date under the signature (court and bailiff papers carry no letterhead)."""
    p(doc, "")
    p(doc, "{{ doc_date }}", align="left", indent=False)


def debtor_block(doc):
    block_right(doc, [("{{ debtor_name_dat }}", True), ("{{ premises_address }}", False),
                      ("лицевой счёт № {{ account_number }}", False)])


def payment_qr_block(doc, sum_line="Сумма к оплате: {{ debt_total }}", note=""):
    """The payment QR code (ГОСТ Р 56042-2014, merge field `payment_qr`, 3.5 cm) at the left of its caption and the
    sum, placed right after the letter states the sum; without the enterprise's bank details the field's own short
    note stands in its place."""
    ctl(doc, "if payment_qr_ready")
    t = doc.add_table(rows=1, cols=2)
    t.alignment = WD_TABLE_ALIGNMENT.LEFT
    t.autofit = False
    _borders(t, on=False)
    for col, width in zip(t.columns, (Cm(4.2), Cm(12.8))):
        col.width = width
        for cell in col.cells:
            cell.width = width
    qr, caption = t.rows[0].cells
    qr.paragraphs[0].add_run("{{ payment_qr }}")
    caption.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
    caption.paragraphs[0].add_run("Оплатите по QR-коду в приложении банка").bold = True
    for text, size in ((sum_line, None), ("Получатель: {{ org_short_name }}, лицевой счёт № {{ account_number }}. "
                                          "Наведите камеру в приложении банка на код: реквизиты, сумма и назначение "
                                          "платежа заполнятся сами." + note, 10)):
        run = caption.add_paragraph().add_run(text)
        if size:
            run.font.size = Pt(size)
    p(doc, "")
    ctl(doc, "else")
    p(doc, "{{ payment_qr }}", align="left", indent=False, size=10, italic=True, space_after=6)
    ctl(doc, "endif")


# ============================================================================ the templates

def t01_notice(doc):
    letterhead(doc)
    debtor_block(doc)
    title(doc, "УВЕДОМЛЕНИЕ", "о наличии задолженности за жилищно-коммунальные услуги")
    p(doc, "{{ debtor_salutation }}", align="center", indent=False)
    p(doc, "")
    p(doc, "{{ org_name }} уведомляет Вас, что по лицевому счёту № {{ account_number }} по адресу: {{ premises_address }} "
           "по состоянию на {{ doc_date }} образовалась задолженность по оплате жилищно-коммунальных услуг "
           "за период {{ debt_period }} в размере {{ debt_total_full }}, в том числе:")
    loop_table(doc, ["Услуга", "Сумма долга"], "s in debt_services", ["{{ s.name }}", "{{ s.amount }}"],
               total=["Итого", "{{ debt_total }}"], widths=[10, 5])
    payment_qr_block(doc)
    p(doc, "В соответствии со ст.153 и ч.1 ст.155 Жилищного кодекса РФ плата за жилое помещение и коммунальные услуги "
           "вносится ежемесячно до установленного срока месяца, следующего за истёкшим. Лица, несвоевременно и (или) "
           "не полностью внёсшие плату, обязаны уплатить пени (ч.14 ст.155 ЖК РФ).")
    p(doc, "Просим погасить задолженность в кратчайший срок. Если задолженность уже оплачена, просим не учитывать "
           "настоящее уведомление. Вы можете заключить соглашение о погашении задолженности в рассрочку, обратившись "
           "по адресу: {{ org_postal_address }}, тел. {{ org_phone }}.")
    p(doc, "Реквизиты для оплаты: {{ org_name }}, ИНН {{ org_inn }}, {{ org_bank }}. В назначении платежа укажите "
           "номер лицевого счёта и период оплаты.")
    signature(doc)


def t02_warning(doc):
    letterhead(doc)
    debtor_block(doc)
    title(doc, "ПРЕДУПРЕЖДЕНИЕ (УВЕДОМЛЕНИЕ)",
          "об ограничении или приостановлении предоставления коммунальной услуги")
    p(doc, "{{ debtor_salutation }}", align="center", indent=False)
    p(doc, "")
    p(doc, "По лицевому счёту № {{ account_number }} (адрес: {{ premises_address }}) по состоянию на {{ doc_date }} "
           "имеется задолженность по оплате коммунальных услуг в размере {{ debt_total_full }}, в том числе:")
    loop_table(doc, ["Коммунальная услуга", "Сумма долга"], "s in debt_services", ["{{ s.name }}", "{{ s.amount }}"],
               total=["Итого", "{{ debt_total }}"], widths=[10, 5])
    payment_qr_block(doc)
    p(doc, "Размер задолженности превышает сумму двух месячных размеров платы за коммунальную услугу, исчисленных "
           "исходя из норматива потребления и тарифа (п.118 Правил, утв. постановлением Правительства РФ "
           "от 06.05.2011 № 354).")
    rich(doc, [("В соответствии с подп. «а» п.117 и п.119 указанных Правил предупреждаем: ", False),
               ("в случае непогашения задолженности в течение 20 (двадцати) дней со дня доставки настоящего "
                "предупреждения", True),
               (" предоставление коммунальной услуги «{{ warning_services }}» будет сначала ограничено, а затем "
                "приостановлено, либо при отсутствии технической возможности введения ограничения — "
                "приостановлено без предварительного введения ограничения.", False)])
    p(doc, "Если задолженность не будет погашена в течение 10 дней после введения ограничения, предоставление "
           "услуги будет приостановлено (подп. «б» п.119 Правил). Расходы исполнителя на введение ограничения, "
           "приостановление и возобновление предоставления услуги подлежат возмещению потребителем (п.121(1) Правил). "
           "Предоставление услуги будет возобновлено в течение 2 календарных дней со дня полного погашения "
           "задолженности или заключения соглашения о её погашении (п.120 Правил).")
    p(doc, "Во избежание ограничения просим погасить задолженность либо заключить соглашение о порядке и сроках её "
           "погашения: {{ org_postal_address }}, тел. {{ org_phone }}. Реквизиты для оплаты: {{ org_name }}, "
           "ИНН {{ org_inn }}, {{ org_bank }}.")
    signature(doc)
    p(doc, "")
    p(doc, "Предупреждение получил(а): ____________________ / ____________________ «___» __________ 20__ г.",
      align="left", indent=False, size=11)


def t03_pretrial(doc):
    letterhead(doc)
    debtor_block(doc)
    title(doc, "ДОСУДЕБНАЯ ПРЕТЕНЗИЯ", "о погашении задолженности за жилищно-коммунальные услуги")
    p(doc, "{{ debtor_salutation }}", align="center", indent=False)
    p(doc, "")
    p(doc, "{{ org_name }} предоставляет коммунальные услуги в помещение по адресу: {{ premises_address }} "
           "(лицевой счёт № {{ account_number }}). В нарушение ст.153, 155 Жилищного кодекса РФ и ст.309, 310 "
           "Гражданского кодекса РФ плата за период {{ debt_period }} внесена не полностью.")
    p(doc, "По состоянию на {{ doc_date }} Ваша задолженность составляет {{ debt_total_full }}. На основании ч.14 "
           "ст.155 ЖК РФ начислены пени в размере {{ penalty_total }} ({{ penalty_words }}). Всего: {{ claim_total_full }}.")
    p(doc, "")
    payment_qr_block(doc, "Сумма долга: {{ debt_total }}", " Пени ({{ penalty_total }}) можно добавить к сумме в "
                                                          "приложении.")
    rich(doc, [("Предлагаем в течение {{ settle_days }} дней со дня получения настоящей претензии ", False),
               ("погасить задолженность добровольно", True),
               (" либо заключить соглашение о погашении задолженности в рассрочку. Обратиться можно по адресу: "
                "{{ org_postal_address }}, тел. {{ org_phone }}.", False)])
    ctl(doc, "if arbitrazh")
    p(doc, "Настоящая претензия направляется в порядке досудебного урегулирования спора (ч.5 ст.4 Арбитражного "
           "процессуального кодекса РФ). В случае неисполнения требования по истечении 30 календарных дней со дня "
           "направления претензии {{ org_short_name }} обратится в арбитражный суд с заявлением о выдаче судебного "
           "приказа (ст.229.2 АПК РФ) или с исковым заявлением о взыскании задолженности, пеней и судебных расходов, "
           "в том числе государственной пошлины, а после вступления судебного акта в силу — за принудительным "
           "исполнением, включая обращение взыскания на денежные средства на счетах и имущество (ст.8, 68 "
           "Федерального закона от 02.10.2007 № 229-ФЗ).")
    ctl(doc, "else")
    p(doc, "В случае неисполнения требования {{ org_short_name }} обратится в суд с заявлением о вынесении судебного "
           "приказа (ст.122 ГПК РФ) о взыскании задолженности, пеней и судебных расходов, в том числе государственной "
           "пошлины, а после вступления судебного акта в силу — в службу судебных приставов для принудительного "
           "исполнения, включая обращение взыскания на заработную плату и имущество и временное ограничение выезда "
           "из Российской Федерации (ст.67, 68 Федерального закона от 02.10.2007 № 229-ФЗ).")
    ctl(doc, "endif")
    p(doc, "Реквизиты для оплаты: {{ org_name }}, ИНН {{ org_inn }}, {{ org_bank }}.")
    p(doc, "Приложение: расчёт задолженности и пени.", indent=False, align="left")
    signature(doc)


def t04_agreement(doc):
    title(doc, "СОГЛАШЕНИЕ № {{ doc_number }}", "о порядке и сроках погашения задолженности")
    t = doc.add_table(rows=1, cols=2)
    _borders(t, on=False)
    t.rows[0].cells[0].text = "{{ premises_address }}"
    t.rows[0].cells[1].text = "{{ doc_date }}"
    t.rows[0].cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    p(doc, "")
    p(doc, "{{ org_name }}, {{ creditor_named }} в дальнейшем «Кредитор», в лице {{ signatory_position_gen }} "
           "{{ signatory_name_gen }}, {{ signatory_acting }} на основании {{ signatory_basis_gen }}, с одной стороны, и {{ debtor_name }}, дата рождения: {{ debtor_birth_date }}, "
           "{{ debtor_identifier }}, зарегистрированный(ая) по адресу: {{ debtor_address }}, именуемый(ая) в дальнейшем "
           "«Должник», с другой стороны, заключили настоящее соглашение о нижеследующем.")
    p(doc, "1. Должник признаёт задолженность по оплате жилищно-коммунальных услуг по лицевому счёту № {{ account_number }} "
           "(адрес: {{ premises_address }}) за период {{ debt_period }} в размере {{ debt_total_full }}. Настоящее "
           "соглашение является письменным признанием долга (ст.203, п.2 ст.206 Гражданского кодекса РФ).")
    p(doc, "2. Должник обязуется погасить задолженность по следующему графику, помимо текущих ежемесячных платежей:")
    loop_table(doc, ["№", "Срок платежа (не позднее)", "Сумма"], "r in schedule",
               ["{{ r.n }}", "{{ r.date }}", "{{ r.amount }}"], total=["", "Итого", "{{ schedule_total }}"], widths=[1.5, 7, 6])
    p(doc, "3. Пока Должник исполняет соглашение, Кредитор не вводит ограничение или приостановление коммунальных услуг "
           "(п.118 Правил, утв. постановлением Правительства РФ от 06.05.2011 № 354) и не обращается в суд за взысканием "
           "задолженности, указанной в п.1.")
    p(doc, "4. При просрочке очередного платежа более чем на 10 дней или неоплате текущих начислений Кредитор вправе "
           "потребовать досрочного погашения всей оставшейся суммы, ввести ограничение (приостановление) предоставления "
           "коммунальных услуг в порядке п.119 Правил № 354 и обратиться в суд.")
    p(doc, "5. Соглашение вступает в силу со дня подписания, составлено в двух экземплярах, по одному для каждой стороны.")
    p(doc, "")
    t = doc.add_table(rows=1, cols=2)
    _borders(t, on=False)
    left, right = t.rows[0].cells
    left.text = "Кредитор:"
    for line in ("{{ org_name }}", "ИНН {{ org_inn }}, ОГРН {{ org_ogrn }}", "{{ org_address }}", "{{ org_bank }}",
                 "{{ signatory_position }}", "__________ {{ signatory_initials }}"):
        left.add_paragraph(line)
    right.text = "Должник:"
    for line in ("{{ debtor_name }}", "{{ debtor_address }}", "тел. {{ debtor_phone }}", "",
                 "__________ {{ debtor_initials }}"):
        right.add_paragraph(line)


def t05_act(doc):
    title(doc, "АКТ № {{ doc_number }}", "о введении ограничения (приостановления) предоставления коммунальной услуги")
    t = doc.add_table(rows=1, cols=2)
    _borders(t, on=False)
    t.rows[0].cells[0].text = "{{ premises_address }}"
    t.rows[0].cells[1].text = "{{ restriction_date }}"
    t.rows[0].cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    p(doc, "")
    p(doc, "Исполнитель коммунальной услуги: {{ org_name }} (ИНН {{ org_inn }}).")
    p(doc, "Потребитель: {{ debtor_name }}, лицевой счёт № {{ account_number }}, адрес помещения: {{ premises_address }}.")
    p(doc, "Основание: подп. «а» п.117, п.119 Правил предоставления коммунальных услуг, утв. постановлением "
           "Правительства РФ от 06.05.2011 № 354; неполная оплата коммунальной услуги; задолженность на дату акта "
           "{{ debt_total_full }}; предупреждение {{ warning_number }} доставлено потребителю, 20-дневный срок со дня "
           "доставки истёк, задолженность не погашена, соглашение о погашении не заключено (не исполняется).")
    p(doc, "Вид меры: {{ restriction_kind }} предоставления коммунальной услуги «{{ restriction_service }}».")
    p(doc, "Способ и место: {{ restriction_method }}.")
    p(doc, "Ограничение (приостановление) не затрагивает общее имущество многоквартирного дома, права других "
           "потребителей и не приводит к непригодности помещения для проживания (п.122 Правил № 354). Отопление и, "
           "в многоквартирном доме, холодное водоснабжение не приостанавливаются.")
    p(doc, "Предоставление услуги будет возобновлено в течение 2 календарных дней со дня полного погашения "
           "задолженности или заключения соглашения о её погашении (п.120 Правил). Расходы на введение ограничения "
           "и возобновление подлежат возмещению потребителем (п.121(1) Правил).")
    p(doc, "")
    p(doc, "Представитель исполнителя: ____________________ / ____________________", align="left", indent=False)
    p(doc, "Потребитель (присутствовал / отказался от подписи / отсутствовал): ____________________ / {{ debtor_initials }}",
      align="left", indent=False)
    p(doc, "Свидетели: 1. ____________________  2. ____________________", align="left", indent=False)


def minors_block(doc):
    """Minor co-owners under the defendants: never a debtor in person (ГК ст.21, 28), their representatives answer."""
    ctl(doc, "for m in minor_owners")
    block_right(doc, [("Несовершеннолетний собственник: {{ m.name }}, дата рождения: {{ m.birth_date }}, — "
                       "{{ m.representatives_gen }}", False), ("", False)])
    ctl(doc, "endfor")


def t06_court_order(doc):
    """One template, two courts: `arbitrazh` (organisation / ИП debtor) — АПК ст.229.1–229.3 and НК 333.21;
    otherwise the magistrate — ГПК ст.121–124 and НК 333.19."""
    ctl(doc, "if arbitrazh")
    block_right(doc, [("{{ court_heading }}", True), ("{{ court_address }}", False), ("", False),
                      ("Взыскатель: {{ org_name }}", False),
                      ("ИНН {{ org_inn }}, ОГРН {{ org_ogrn }}", False), ("место нахождения: {{ org_address }}", False),
                      ("{{ org_bank }}", False), ("", False)])
    ctl(doc, "for o in owners")
    block_right(doc, [("Должник: {{ o.ip }}{{ o.name }}", False), ("{{ o.requisites }}", False),
                      ("адрес (место нахождения): {{ o.address }}", False), ("", False)])
    ctl(doc, "endfor")
    ctl(doc, "else")
    block_right(doc, [("{{ court_heading }}", True), ("{{ court_address }}", False), ("", False),
                      ("Взыскатель: {{ org_name }}", False),
                      ("ИНН {{ org_inn }}, ОГРН {{ org_ogrn }}", False), ("адрес: {{ org_address }}", False),
                      ("{{ org_bank }}", False), ("", False)])
    ctl(doc, "for o in defendants")
    block_right(doc, [("Должник: {{ o.name }}", False), ("{{ o.capacity }}", False),
                      ("дата рождения: {{ o.birth_date }}, место рождения: {{ o.birth_place }}", False),
                      ("{{ o.identifier }}", False), ("место жительства: {{ o.address }}", False), ("", False)])
    ctl(doc, "endfor")
    minors_block(doc)
    ctl(doc, "endif")
    block_right(doc, [("Сумма требований: {{ claim_total }}", False),
                      ("Госпошлина: {{ duty_total }}", False)])
    ctl(doc, "if arbitrazh")
    title(doc, "ЗАЯВЛЕНИЕ", "о выдаче судебного приказа о взыскании задолженности за коммунальные услуги")
    p(doc, "{{ org_name }} предоставляет коммунальные услуги (поставляет коммунальные ресурсы) в помещение по адресу: "
           "{{ premises_address }}, лицевой счёт № {{ account_number }}. В соответствии со ст.210, 309, 310, 544 "
           "Гражданского кодекса РФ и ст.153–155 Жилищного кодекса РФ должник обязан своевременно и полностью "
           "оплачивать потреблённые коммунальные услуги.")
    ctl(doc, "else")
    title(doc, "ЗАЯВЛЕНИЕ", "о вынесении судебного приказа о взыскании задолженности за жилищно-коммунальные услуги")
    p(doc, "{{ org_name }} предоставляет коммунальные услуги в жилое помещение по адресу: {{ premises_address }}, "
           "лицевой счёт № {{ account_number }}. В соответствии со ст.153, 154, 155 Жилищного кодекса РФ собственники "
           "(наниматели) обязаны своевременно и полностью вносить плату за жилое помещение и коммунальные услуги.")
    ctl(doc, "endif")
    p(doc, "Должник(и) обязанность по оплате не исполнил(и): за период {{ debt_period }} образовалась задолженность в "
           "размере {{ debt_total_full }}. На основании ч.14 ст.155 ЖК РФ начислены пени по состоянию на {{ calc_date }} "
           "в размере {{ penalty_total }} ({{ penalty_words }}). Расчёт прилагается. Требование бесспорно и основано на "
           "документах, подтверждающих начисления.")
    ctl(doc, "if arbitrazh")
    p(doc, "Требование основано на документах, устанавливающих денежное обязательство должника, которое им не "
           "исполнено, и не превышает пятисот тысяч рублей (п.1 ст.229.2 Арбитражного процессуального кодекса РФ). "
           "Дело подсудно арбитражному суду, поскольку должник является юридическим лицом (индивидуальным "
           "предпринимателем), а спор носит экономический характер (ст.27, 28 АПК РФ).")
    p(doc, "На основании изложенного, руководствуясь ст.229.1–229.3 Арбитражного процессуального кодекса РФ, "
           "ст.309, 310 ГК РФ, ст.155 ЖК РФ, прошу выдать судебный приказ о взыскании в пользу {{ creditor_gen }}:")
    ctl(doc, "for o in owners")
    p(doc, "с {{ o.ip_gen }}{{ o.name_gen }} ({{ o.requisites }}): задолженности за период {{ debt_period }} — {{ o.debt }}, "
           "пеней — {{ o.penalty }}, расходов по уплате государственной пошлины — {{ o.duty }}, всего {{ o.total }} "
           "({{ o.total_words }}).")
    ctl(doc, "endfor")
    p(doc, "Всего к взысканию {{ grand_total }}; государственная пошлина за выдачу судебного приказа уплачена в "
           "размере {{ duty_total }} ({{ duty_words }}) по ст.333.21 НК РФ (50 процентов государственной пошлины по "
           "имущественному иску).")
    p(doc, "Приложения:", bold=True, indent=False, align="left")
    for i, line in enumerate(("документ об уплате государственной пошлины;",
                              "расчёт задолженности и пени;",
                              "документы, подтверждающие обоснованность требования: договор (при наличии), "
                              "выписка из лицевого счёта (справка о задолженности), счета и акты;",
                              "документ, подтверждающий направление (вручение) должнику копии заявления и приложенных "
                              "к нему документов;",
                              "выписка из ЕГРЮЛ (ЕГРИП) в отношении взыскателя и должника;",
                              "копия доверенности представителя (при подаче представителем)."), 1):
        p(doc, f"{i}. {line}", indent=False, align="left")
    ctl(doc, "else")
    ctl(doc, "if parties_note")
    p(doc, "{{ parties_note }}")
    ctl(doc, "endif")
    p(doc, "На основании изложенного, руководствуясь ст.121–124 ГПК РФ, ст.155 ЖК РФ, прошу вынести судебный приказ "
           "о взыскании в пользу {{ creditor_gen }}:")
    ctl(doc, "for l in claim_lines")
    p(doc, "{{ l.from_whom }}: задолженности за период {{ l.periods }} — {{ l.debt }}, пеней — {{ l.penalty }}, "
           "расходов по уплате государственной пошлины — {{ l.duty }}, всего {{ l.total }} ({{ l.total_words }}).")
    ctl(doc, "endfor")
    p(doc, "Всего к взысканию {{ grand_total }}; государственная пошлина уплачена в размере {{ duty_total }} "
           "({{ duty_words }}) по пп.2 п.1 ст.333.19 НК РФ.")
    p(doc, "Приложения:", bold=True, indent=False, align="left")
    for i, line in enumerate(("платёжное поручение об уплате государственной пошлины;",
                              "расчёт задолженности и пени;",
                              "выписка из лицевого счёта (справка о задолженности);",
                              "сведения о собственниках помещения (выписка из ЕГРН) / зарегистрированных лицах;",
                              "копия доверенности представителя (при подаче представителем);",
                              "копии учредительных документов взыскателя / выписка из ЕГРЮЛ."), 1):
        p(doc, f"{i}. {line}", indent=False, align="left")
    ctl(doc, "if minor_owners")
    p(doc, "7. копия свидетельства о рождении несовершеннолетнего собственника (документ, подтверждающий законное "
           "представительство).", indent=False, align="left")
    ctl(doc, "endif")
    ctl(doc, "endif")
    signature(doc)
    date_line(doc)


def t07_calculation(doc):
    title(doc, "РАСЧЁТ", "задолженности и пени по лицевому счёту № {{ account_number }}")
    p(doc, "Должник: {{ defendant_names }}. Адрес: {{ premises_address }}. Взыскатель: {{ org_name }}.", indent=False)
    p(doc, "Расчёт на {{ calc_date }}. Период задолженности: {{ debt_period }}.", indent=False)
    p(doc, "")
    loop_table(doc, ["Период", "Срок оплаты", "Сумма, руб.", "Просрочка с", "по", "Чем погашено",
                     "Дней 1/300", "Дней 1/130", "Ставка", "Пени, руб."],
               "r in calc_rows",
               ["{{ r.period }}", "{{ r.due }}", "{{ r.amount }}", "{{ r.start }}", "{{ r.end }}", "{{ r.closed_by }}",
                "{{ r.days_300 }}", "{{ r.days_130 }}", "{{ r.rate }}", "{{ r.penalty }}"],
               total=["Итого", "", "", "", "", "", "", "", "", "{{ penalty_total }}"], size=9)
    p(doc, "Формула: пени = сумма × ставка × (дни 1/300 / 300 + дни 1/130 / 130). {{ calc_note }}", size=10)
    p(doc, "")
    ctl(doc, "if parties_split")
    p(doc, "Распределение между ответчиками (должниками):", bold=True, indent=False,
      align="left").paragraph_format.keep_with_next = True
    loop_table(doc, ["Ответчик (должник)", "Основание", "Период", "Основной долг, руб.", "Пени, руб.", "Всего, руб."],
               "l in claim_lines",
               ["{{ l.who }}", "{{ l.basis }}", "{{ l.periods }}", "{{ l.debt_num }}", "{{ l.penalty_num }}",
                "{{ l.total_num }}"], total=["Итого", "", "", "{{ debt_total }}", "{{ penalty_total }}", "{{ claim_total }}"],
               size=9)
    p(doc, "{{ parties_note }}", size=10)
    p(doc, "")
    ctl(doc, "endif")
    p(doc, "Итого задолженность (основной долг): {{ debt_total_full }}.", indent=False)
    p(doc, "Итого пени: {{ penalty_total }} ({{ penalty_words }}).", indent=False)
    p(doc, "Всего: {{ claim_total_full }}.", indent=False, bold=True)
    signature(doc)
    date_line(doc)


def t08_claim(doc):
    """One template, two courts: `arbitrazh` (organisation / ИП defendant) — АПК ст.4 ч.5, 125, 126 and НК 333.21;
    otherwise the magistrate / district court — ГПК ст.131, 132 and НК 333.19. The duty paid for a cancelled order
    is credited in both (`duty_credited`)."""
    ctl(doc, "if arbitrazh")
    block_right(doc, [("{{ court_heading }}", True), ("{{ court_address }}", False), ("", False),
                      ("Истец: {{ org_name }}", False), ("ИНН {{ org_inn }}, ОГРН {{ org_ogrn }}", False),
                      ("место нахождения: {{ org_address }}", False),
                      ("тел. {{ org_phone }}, эл. почта: {{ org_email }}", False), ("", False)])
    ctl(doc, "for o in owners")
    block_right(doc, [("Ответчик: {{ o.ip }}{{ o.name }}", False), ("{{ o.requisites }}", False),
                      ("адрес (место нахождения): {{ o.address }}", False), ("", False)])
    ctl(doc, "endfor")
    ctl(doc, "else")
    block_right(doc, [("{{ court_heading }}", True), ("{{ court_address }}", False), ("", False),
                      ("Истец: {{ org_name }}", False), ("ИНН {{ org_inn }}, ОГРН {{ org_ogrn }}", False),
                      ("адрес: {{ org_address }}", False), ("", False)])
    ctl(doc, "for o in defendants")
    block_right(doc, [("Ответчик: {{ o.name }}", False), ("{{ o.capacity }}", False),
                      ("дата и место рождения: {{ o.birth_date }}, {{ o.birth_place }}", False),
                      ("{{ o.identifier }}", False), ("адрес: {{ o.address }}", False), ("", False)])
    ctl(doc, "endfor")
    minors_block(doc)
    ctl(doc, "endif")
    block_right(doc, [("Цена иска: {{ claim_total }}", False), ("Госпошлина: {{ duty_claim_total }}", False)])
    ctl(doc, "if arbitrazh")
    title(doc, "ИСКОВОЕ ЗАЯВЛЕНИЕ", "о взыскании задолженности за коммунальные услуги и пеней")
    p(doc, "Истец, {{ org_name }}, предоставляет коммунальные услуги (поставляет коммунальные ресурсы) в помещение по "
           "адресу: {{ premises_address }} (лицевой счёт № {{ account_number }}). В соответствии со ст.210, 309, 310, "
           "544 Гражданского кодекса РФ и ст.153–155 Жилищного кодекса РФ ответчик обязан своевременно и полностью "
           "оплачивать потреблённые коммунальные услуги.")
    p(doc, "Ответчик эту обязанность не исполнил: за период {{ debt_period }} образовалась задолженность в размере "
           "{{ debt_total_full }}. На основании ч.14 ст.155 ЖК РФ начислены пени по состоянию на {{ calc_date }} в "
           "размере {{ penalty_total }} ({{ penalty_words }}). Расчёт взыскиваемой суммы прилагается. Цена иска — "
           "{{ claim_total_full }}.")
    ctl(doc, "if order_cancelled")
    p(doc, "Истец обращался в арбитражный суд с заявлением о выдаче судебного приказа. Судебный приказ "
           "{{ court_case_ref }} от {{ order_date }} отменён определением от {{ order_cancelled_on }} в связи с "
           "поступлением возражений ответчика относительно его исполнения (ч.4 ст.229.5 Арбитражного процессуального "
           "кодекса РФ), поэтому требование предъявляется в порядке искового производства. Срок исковой давности в "
           "период судебной защиты не тёк (ст.204 ГК РФ).")
    ctl(doc, "elif claim_over_order_limit")
    p(doc, "Цена иска превышает пятьсот тысяч рублей, поэтому требование не может быть рассмотрено в порядке "
           "приказного производства (п.1 ст.229.2 Арбитражного процессуального кодекса РФ) и предъявляется в порядке "
           "искового производства.")
    ctl(doc, "else")
    p(doc, "Истец обращался в арбитражный суд с заявлением о выдаче судебного приказа; в принятии заявления отказано "
           "(ст.229.4 Арбитражного процессуального кодекса РФ), поэтому требование предъявляется в порядке искового "
           "производства.")
    ctl(doc, "endif")
    p(doc, "Истцом соблюдён претензионный (досудебный) порядок урегулирования спора (ч.5 ст.4 АПК РФ): ответчику "
           "направлена претензия № {{ pretrial_claim_number }} от {{ pretrial_claim_date }} с требованием погасить "
           "задолженность. По истечении 30 календарных дней со дня направления претензии задолженность не погашена.")
    p(doc, "Дело подсудно арбитражному суду, поскольку ответчик является юридическим лицом (индивидуальным "
           "предпринимателем), а спор носит экономический характер (ст.27, 28, 35 АПК РФ).")
    p(doc, "Государственная пошлина за подачу иска исчислена от цены иска по пп.1 п.1 ст.333.21 Налогового кодекса РФ "
           "и составляет {{ duty_claim_total }} ({{ duty_claim_words }}).")
    ctl(doc, "if duty_credited")
    p(doc, "Государственная пошлина в размере {{ duty_credit_total }}, уплаченная за выдачу судебного приказа, "
           "засчитывается в счёт государственной пошлины за подачу иска (ст.333.22, 333.40 НК РФ); доплачено "
           "{{ duty_total }} ({{ duty_words }}).")
    ctl(doc, "endif")
    p(doc, "На основании изложенного, руководствуясь ст.309, 310 ГК РФ, ст.153–155 ЖК РФ, ст.4, 125, 126 "
           "Арбитражного процессуального кодекса РФ, прошу:")
    ctl(doc, "for o in owners")
    p(doc, "взыскать с {{ o.ip_gen }}{{ o.name_gen }} ({{ o.requisites }}) в пользу {{ creditor_gen }} задолженность за "
           "период {{ debt_period }} — {{ o.debt }}, пени — {{ o.penalty }}, расходы по уплате государственной "
           "пошлины — {{ o.duty }}, всего {{ o.total }} ({{ o.total_words }}).")
    ctl(doc, "endfor")
    p(doc, "Приложения:", bold=True, indent=False, align="left")
    for i, line in enumerate(("документ, подтверждающий направление ответчику копии искового заявления и приложенных "
                              "к нему документов (п.1 ч.1 ст.126 АПК РФ);",
                              "документ, подтверждающий уплату государственной пошлины{% if duty_credited %}, в том "
                              "числе за выдачу судебного приказа{% endif %};",
                              "расчёт задолженности и пеней;",
                              "документы, подтверждающие обстоятельства, на которых основаны исковые требования: "
                              "договор (при наличии), выписка из лицевого счёта, счета и акты;",
                              "копия претензии № {{ pretrial_claim_number }} от {{ pretrial_claim_date }} и документ, "
                              "подтверждающий её направление ответчику (соблюдение претензионного порядка);",
                              "выписка из ЕГРЮЛ (ЕГРИП) в отношении истца и ответчика;",
                              "доверенность или иной документ, подтверждающий полномочия на подписание искового "
                              "заявления (при подаче представителем);"), 1):
        p(doc, f"{i}. {line}", indent=False, align="left")
    ctl(doc, "if order_cancelled")
    p(doc, "8. копия определения арбитражного суда об отмене судебного приказа.", indent=False, align="left")
    ctl(doc, "endif")
    ctl(doc, "else")
    title(doc, "ИСКОВОЕ ЗАЯВЛЕНИЕ", "о взыскании задолженности по оплате жилищно-коммунальных услуг и пеней")
    p(doc, "Истец предоставляет коммунальные услуги в помещение по адресу: {{ premises_address }} (лицевой счёт "
           "№ {{ account_number }}). Ответчик(и) плату за период {{ debt_period }} не внес(ли): задолженность составляет "
           "{{ debt_total_full }}, пени по ч.14 ст.155 ЖК РФ на {{ calc_date }} — {{ penalty_total }} ({{ penalty_words }}).")
    ctl(doc, "if order_cancelled")
    p(doc, "Истец обращался к мировому судье с заявлением о вынесении судебного приказа. Судебный приказ "
           "{{ court_case_ref }} от {{ order_date }} отменён определением от {{ order_cancelled_on }} в связи с "
           "поступлением возражений должника (ст.129 ГПК РФ), что даёт право предъявить требование в порядке искового "
           "производства. Срок исковой давности в период судебной защиты не тёк (ст.204 ГК РФ, п.17–18 постановления "
           "Пленума ВС РФ от 29.09.2015 № 43).")
    ctl(doc, "elif claim_over_order_limit")
    p(doc, "Цена иска превышает пятьсот тысяч рублей, поэтому требование не может быть рассмотрено в порядке "
           "приказного производства (ст.121 ГПК РФ) и предъявляется в порядке искового производства.")
    ctl(doc, "else")
    p(doc, "Истец обращался к мировому судье с заявлением о вынесении судебного приказа; в принятии заявления "
           "отказано (ст.125 ГПК РФ), поэтому требование предъявляется в порядке искового производства.")
    ctl(doc, "endif")
    ctl(doc, "if duty_credited")
    p(doc, "Государственная пошлина за подачу иска составляет {{ duty_claim_total }}; пошлина в размере "
           "{{ duty_credit_total }}, уплаченная за выдачу судебного приказа, засчитывается в счёт пошлины за подачу "
           "иска (пп.13 п.1 ст.333.20 НК РФ); к доплате — {{ duty_total }} ({{ duty_words }}).")
    ctl(doc, "else")
    p(doc, "Государственная пошлина за подачу иска составляет {{ duty_total }} ({{ duty_words }}) (ст.333.19 НК "
           "РФ){% if order_cancelled %}; пошлина, уплаченная за выдачу судебного приказа, засчитывается в счёт этой "
           "суммы (пп.13 п.1 ст.333.20 НК РФ){% endif %}.")
    ctl(doc, "endif")
    ctl(doc, "if parties_note")
    p(doc, "{{ parties_note }}")
    ctl(doc, "endif")
    p(doc, "На основании ст.153–155 ЖК РФ, ст.309, 310 ГК РФ, ст.131, 132 ГПК РФ прошу:")
    ctl(doc, "for l in claim_lines")
    p(doc, "взыскать {{ l.from_whom }} в пользу {{ creditor_gen }} задолженность за период {{ l.periods }} — "
           "{{ l.debt }}, пени {{ l.penalty }}, расходы по государственной пошлине {{ l.duty }}, всего {{ l.total }} "
           "({{ l.total_words }});")
    ctl(doc, "endfor")
    p(doc, "Приложения:", bold=True, indent=False, align="left")
    for i, line in enumerate(("документ об уплате государственной пошлины{% if duty_credited %} (в том числе за "
                              "судебный приказ){% endif %};", "расчёт задолженности и пени;",
                              "выписка из лицевого счёта;", "выписка из ЕГРН о собственниках помещения;",
                              "документ о направлении копии иска ответчику (п.6 ст.132 ГПК РФ);",
                              "доверенность представителя{% if order_cancelled %};{% else %}.{% endif %}"), 1):
        p(doc, f"{i}. {line}", indent=False, align="left")
    ctl(doc, "if order_cancelled")
    p(doc, "7. копия определения об отмене судебного приказа.", indent=False, align="left")
    ctl(doc, "endif")
    ctl(doc, "endif")
    signature(doc)
    date_line(doc)


def t09_enforcement(doc):
    block_right(doc, [("{{ bailiff_unit }}", True), ("{{ bailiff_address }}", False), ("", False),
                      ("Взыскатель: {{ org_name }}", False), ("ИНН {{ org_inn }}, ОГРН {{ org_ogrn }}", False),
                      ("адрес: {{ org_address }}", False), ("", False), ("Должник: {{ debtor_name }}", False),
                      ("дата рождения: {{ debtor_birth_date }}", False), ("адрес: {{ debtor_address }}", False)])
    title(doc, "ЗАЯВЛЕНИЕ", "о возбуждении исполнительного производства")
    p(doc, "На основании ст.30 Федерального закона от 02.10.2007 № 229-ФЗ «Об исполнительном производстве» направляю "
           "для принудительного исполнения исполнительный документ {{ writ_ref }} от {{ writ_date }}, выданный "
           "{{ court_instr }}, о взыскании с {{ debtor_name_gen }} в пользу {{ creditor_gen }} задолженности по оплате "
           "жилищно-коммунальных услуг в размере {{ enforce_total }}, и прошу возбудить исполнительное производство.")
    p(doc, "Прошу принять меры принудительного исполнения, предусмотренные ст.64, 68 Федерального закона № 229-ФЗ: "
           "запросить сведения о доходах, счетах и имуществе должника, обратить взыскание на денежные средства, "
           "заработную плату и иные доходы, имущество должника.")
    ctl(doc, "if travel_ban")
    rich(doc, [("Ходатайство. ", True),
               ("На основании ст.64 и ст.67 Федерального закона № 229-ФЗ прошу вынести постановление о временном "
                "ограничении на выезд должника из Российской Федерации, поскольку сумма задолженности превышает "
                "{{ '30 000' if travel_ban_30k else '10 000' }} рублей", False),
               ("{% if not travel_ban_30k %} и требования не будут исполнены в течение двух месяцев со дня окончания "
                "срока для добровольного исполнения{% endif %}.", False)])
    ctl(doc, "endif")
    p(doc, "Денежные средства прошу перечислять по реквизитам: {{ org_name }}, ИНН {{ org_inn }}, КПП {{ org_kpp }}, "
           "{{ org_bank }}.")
    p(doc, "Приложения: 1. Подлинник исполнительного документа {{ writ_ref }}. 2. Доверенность представителя "
           "(при подаче представителем).", indent=False)
    signature(doc)
    date_line(doc)


def t10_employer(doc):
    block_right(doc, [("{{ employer_name }}", True), ("{{ employer_address }}", False), ("", False),
                      ("Взыскатель: {{ org_name }}", False), ("{{ org_address }}", False)])
    title(doc, "ЗАЯВЛЕНИЕ", "о направлении исполнительного документа работодателю должника")
    p(doc, "В соответствии с ч.1 ст.9 Федерального закона от 02.10.2007 № 229-ФЗ «Об исполнительном производстве» "
           "направляю исполнительный документ {{ writ_ref }} от {{ writ_date }}, выданный {{ court_instr }}, о "
           "взыскании с Вашего работника {{ debtor_name_gen }}, дата рождения {{ debtor_birth_date }}, в пользу "
           "{{ creditor_gen }} денежных средств в сумме {{ enforce_total }}, не превышающей ста тысяч рублей.")
    p(doc, "Прошу производить удержания из заработной платы и иных доходов должника в размере, не превышающем 50 % "
           "(ст.98, 99 Федерального закона № 229-ФЗ), с сохранением дохода в размере прожиточного минимума при наличии "
           "заявления должника (ч.1.1 ст.99), и перечислять удержанные суммы в течение трёх дней со дня выплаты по "
           "реквизитам: {{ org_name }}, ИНН {{ org_inn }}, КПП {{ org_kpp }}, {{ org_bank }}; назначение платежа: "
           "«Удержание по исполнительному документу {{ writ_ref }}, л/с {{ account_number }}».")
    p(doc, "При увольнении должника прошу в течение трёх дней вернуть исполнительный документ взыскателю с отметкой о "
           "произведённых удержаниях и сообщить новое место работы, если оно известно (ч.4 ст.98 229-ФЗ). За "
           "неисполнение требований исполнительного документа предусмотрена ответственность (ст.17.14 КоАП РФ).")
    p(doc, "Приложение: подлинник исполнительного документа {{ writ_ref }}.", indent=False)
    signature(doc)
    date_line(doc)


def t11_statement(doc):
    letterhead(doc)
    title(doc, "СПРАВКА", "о задолженности по лицевому счёту № {{ account_number }} (выписка)")
    p(doc, "Выдана {{ debtor_name_dat }} в том, что по лицевому счёту № {{ account_number }} (адрес: "
           "{{ premises_address }}) начисления и оплаты за период составили:")
    loop_table(doc, ["Месяц", "Долг на начало", "Начислено", "Оплачено", "Долг на конец"], "r in statement_rows",
               ["{{ r.month }}", "{{ r.opening }}", "{{ r.charged }}", "{{ r.paid }}", "{{ r.closing }}"],
               total=["Итого", "", "{{ statement_charged }}", "{{ statement_paid }}", "{{ statement_closing }}"], size=10)
    p(doc, "Задолженность на {{ doc_date }} составляет {{ debt_total_full }}, в том числе по услугам:")
    loop_table(doc, ["Услуга", "Сумма долга"], "s in debt_services", ["{{ s.name }}", "{{ s.amount }}"], widths=[10, 5])
    p(doc, "Пени по ч.14 ст.155 ЖК РФ на {{ calc_date }}: {{ penalty_total }} ({{ penalty_words }}). Справка выдана для предъявления по месту "
           "требования.")
    signature(doc)


def t12_writeoff(doc):
    p(doc, "УТВЕРЖДАЮ", align="right", indent=False)
    p(doc, "{{ signatory_position }}", align="right", indent=False)
    p(doc, "__________ {{ signatory_initials }}", align="right", indent=False)
    p(doc, "{{ doc_date }}", align="right", indent=False)
    title(doc, "АКТ № {{ doc_number }}", "о списании задолженности, признанной безнадёжной к взысканию")
    p(doc, "Комиссия {{ creditor_gen }} рассмотрела задолженность по лицевому счёту № {{ account_number }} "
           "(должник: {{ debtor_name }}, адрес: {{ premises_address }}) за период {{ debt_period }} в размере "
           "{{ debt_total_full }}.")
    p(doc, "Основание признания долга безнадёжным (п.2 ст.266 НК РФ): {{ writeoff_ground }}.")
    p(doc, "Подтверждающие документы: {{ writeoff_documents }}.")
    loop_table(doc, ["Услуга", "Сумма долга"], "s in debt_services", ["{{ s.name }}", "{{ s.amount }}"],
               total=["Итого", "{{ debt_total }}"], widths=[10, 5])
    p(doc, "Решение: списать задолженность в сумме {{ debt_total_full }} с баланса и учитывать её за балансом "
           "на счёте 007 в течение пяти лет для наблюдения за возможностью взыскания в случае изменения "
           "имущественного положения должника (приказ Минфина России от 31.10.2000 № 94н). Списание не является "
           "прощением долга.")
    p(doc, "")
    for who in ("Председатель комиссии", "Член комиссии", "Член комиссии (главный бухгалтер)"):
        p(doc, f"{who}: ____________________ / ____________________", align="left", indent=False)


def t13_building(doc):
    title(doc, "ИНФОРМАЦИЯ", "о задолженности за жилищно-коммунальные услуги по дому {{ building_address }} "
                             "на {{ doc_date }}")
    p(doc, "Уважаемые жители! {{ org_short_name }} сообщает о задолженности по оплате жилищно-коммунальных услуг. "
           "Сведения приведены только по номерам квартир, без персональных данных (Федеральный закон от 27.07.2006 "
           "№ 152-ФЗ «О персональных данных»).")
    loop_table(doc, ["Квартира", "Сумма задолженности"], "r in building_rows", ["{{ r.apartment }}", "{{ r.debt }}"],
               total=["Итого ({{ building_count }} кв.)", "{{ building_total }}"], size=13, widths=[5, 8])
    p(doc, "Неоплата влечёт начисление пеней (ч.14 ст.155 ЖК РФ), ограничение или приостановление коммунальных услуг "
           "(п.117–119 Правил № 354) и взыскание через суд с отнесением на должника судебных расходов. Оплатить долг и "
           "заключить соглашение о рассрочке можно по адресу: {{ org_postal_address }}, тел. {{ org_phone }}.")
    p(doc, "Если Вы уже оплатили задолженность, благодарим Вас.", italic=True)
    p(doc, "{{ org_short_name }}", align="right", indent=False)


def t14_register(doc):
    title(doc, "РЕЕСТР № {{ doc_number }}", "отправки документов от {{ doc_date }}")
    p(doc, "Отправитель: {{ org_name }}, {{ org_postal_address }}, ИНН {{ org_inn }}.", indent=False)
    p(doc, "Получатель: {{ register_to }}.", indent=False)
    p(doc, "")
    loop_table(doc, ["№", "Исх. №", "Дата", "Документ", "Адресат", "Адрес", "Сумма"], "r in register_rows",
               ["{{ r.n }}", "{{ r.number }}", "{{ r.date }}", "{{ r.title }}", "{{ r.addressee }}", "{{ r.address }}",
                "{{ r.amount }}"], size=10)
    p(doc, "Всего документов: {{ register_count }}.", indent=False, bold=True)
    p(doc, "")
    p(doc, "Сдал: ____________________ / ____________________", align="left", indent=False)
    p(doc, "Принял: ____________________ / ____________________   «___» __________ 20__ г.", align="left", indent=False)


def t15_inaction_complaint(doc):
    block_right(doc, [("Начальнику отделения — старшему судебному приставу", False), ("{{ fssp_unit }}", True),
                      ("{{ fssp_unit_address }}", False), ("", False),
                      ("Взыскатель: {{ org_name }}", False), ("ИНН {{ org_inn }}, ОГРН {{ org_ogrn }}", False),
                      ("адрес: {{ org_postal_address }}", False), ("тел. {{ org_phone }}, {{ org_email }}", False),
                      ("", False), ("Должник: {{ debtor_name }}", False), ("адрес: {{ debtor_address }}", False),
                      ("", False), ("Исполнительное производство № {{ ip_number }}", False)])
    title(doc, "ЖАЛОБА", "на бездействие судебного пристава-исполнителя (в порядке подчинённости)")
    p(doc, "Исполнительное производство № {{ ip_number }} возбуждено {{ ip_date }} на основании исполнительного "
           "документа {{ enf_writ_ref }} от {{ enf_writ_date }}, выданного {{ court_instr }}, о взыскании с "
           "{{ debtor_name_gen }} в пользу {{ creditor_gen }} задолженности по оплате жилищно-коммунальных услуг в "
           "размере {{ enf_amount }}. Исполнительный документ предъявлен к исполнению {{ enf_sent_date }}. "
           "Производство находится на исполнении в подразделении судебных приставов: {{ fssp_unit }}; ведёт его "
           "судебный пристав-исполнитель {{ fssp_bailiff }}.")
    p(doc, "В соответствии с ч.1 ст.36 Федерального закона от 02.10.2007 № 229-ФЗ «Об исполнительном производстве» "
           "содержащиеся в исполнительном документе требования должны быть исполнены судебным приставом-исполнителем в "
           "двухмесячный срок со дня возбуждения исполнительного производства. {% if ip_term_passed %}Этот срок истёк, "
           "требования исполнительного документа не исполнены.{% else %}Однако и в пределах этого срока судебный "
           "пристав-исполнитель обязан совершать исполнительные действия непрерывно.{% endif %}")
    p(doc, "С {{ silence_since }}, то есть в течение {{ silence_days }} дней, по исполнительному производству не "
           "совершается никаких действий: денежные средства взыскателю не поступают, постановления о мерах "
           "принудительного исполнения взыскателю не направляются, состояние исполнительного производства не "
           "меняется. {% if enf_received_any %}За всё время исполнения взыскателю перечислено {{ enf_received }}, "
           "{% else %}За всё время исполнения взыскателю не перечислено ни одного платежа, {% endif %}остаток "
           "задолженности по исполнительному документу составляет {{ enf_rest }}.")
    p(doc, "Судебный пристав-исполнитель не принял всех мер, предусмотренных ст.64 и 68 Федерального закона № 229-ФЗ, "
           "для своевременного, полного и правильного исполнения исполнительного документа. Бездействие "
           "судебного пристава-исполнителя нарушает право взыскателя на исполнение судебного акта в разумный срок "
           "(ст.2, 4 Федерального закона № 229-ФЗ).")
    p(doc, "О бездействии взыскателю стало известно {{ learned_date }} при сверке исполнительных производств. Жалоба "
           "подаётся в десятидневный срок, установленный ч.1 ст.122 Федерального закона № 229-ФЗ.")
    p(doc, "На основании изложенного, руководствуясь ст.121, 122, 123, 126 Федерального закона от 02.10.2007 "
           "№ 229-ФЗ «Об исполнительном производстве»,")
    p(doc, "ПРОШУ:", bold=True, align="center", indent=False)
    p(doc, "1. Признать незаконным бездействие судебного пристава-исполнителя по исполнительному производству "
           "№ {{ ip_number }} (судебный пристав-исполнитель — {{ fssp_bailiff }}).")
    p(doc, "2. Обязать судебного пристава-исполнителя принять меры принудительного исполнения: направить запросы в "
           "банки и иные кредитные организации, налоговый орган, Социальный фонд России, органы регистрации "
           "транспортных средств и Росреестр; обратить взыскание на денежные средства должника на счетах, на "
           "заработную плату и иные доходы должника; совершить выход по месту жительства должника и проверить его "
           "имущество; рассмотреть вопрос о временном ограничении на выезд должника из Российской Федерации.")
    p(doc, "3. Направить взыскателю копии вынесенных постановлений и сведения о ходе исполнительного производства.")
    p(doc, "4. О результатах рассмотрения жалобы сообщить взыскателю в срок, установленный ст.126, 127 Федерального "
           "закона № 229-ФЗ.")
    p(doc, "Приложения: 1. Копия исполнительного документа {{ enf_writ_ref }}. 2. Копия документа, подтверждающего "
           "полномочия представителя (при подаче представителем).", indent=False)
    signature(doc)
    date_line(doc)


BUILDERS = {
    "01_notice_debt.docx": t01_notice,
    "02_warning_restriction.docx": t02_warning,
    "03_pretrial_claim.docx": t03_pretrial,
    "04_payment_agreement.docx": t04_agreement,
    "05_restriction_act.docx": t05_act,
    "06_court_order_application.docx": t06_court_order,
    "07_debt_calculation.docx": t07_calculation,
    "08_claim_after_cancel.docx": t08_claim,
    "09_enforcement_application.docx": t09_enforcement,
    "10_employer_letter.docx": t10_employer,
    "11_account_statement.docx": t11_statement,
    "12_writeoff_act.docx": t12_writeoff,
    "13_building_notice.docx": t13_building,
    "14_dispatch_register.docx": t14_register,
    "15_bailiff_inaction_complaint.docx": t15_inaction_complaint,
}
LANDSCAPE = {"07_debt_calculation.docx", "14_dispatch_register.docx"}


def build(target: Path, names: list[str] | None = None) -> list[Path]:
    """Write every template (or only those `names`) into target; returns the paths."""
    target.mkdir(parents=True, exist_ok=True)
    out = []
    for name, fn in BUILDERS.items():
        if names and name not in names:
            continue
        doc = new_doc(landscape=name in LANDSCAPE)
        fn(doc)
        core = doc.core_properties
        core.author, core.title = "casework", name
        from datetime import datetime

        core.created = core.modified = datetime(2026, 1, 1)  # reproducible files
        core.last_modified_by = "casework"
        core.revision = 1
        path = target / name
        doc.save(path)
        out.append(path)
    return out


if __name__ == "__main__":  # pragma: no cover
    from casework import PROJECT_DIR

    dest = Path(sys.argv[1]) if len(sys.argv) > 1 else PROJECT_DIR / "letter_templates"
    for pth in build(dest, sys.argv[2:] or None):  # a new letter: name only its file (the others stay byte-equal)
        print(pth)
