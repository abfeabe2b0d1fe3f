"""Short letter texts for e-mail and SMS, filled from the account — the message-sized counterparts of the notice
and warning .docx templates (letter_templates/01_notice_debt.docx, 02_warning_restriction.docx).

Like those templates they are the letter itself, always in Russian whatever the user's interface language, so
they are not gettext strings. The warning states what ПП 354 п.119 «а» requires: the service, the debt, the
20-day term from delivery and the consequence."""
from __future__ import annotations

from ..documents.russian import money

SUBJECTS = {
    "notice": "Уведомление о задолженности по лицевому счёту {number}",
    "reminder": "Напоминание об оплате по лицевому счёту {number}",
    "warning": "Предупреждение об ограничении (приостановлении) коммунальной услуги, л/с {number}",
}

EMAIL = {
    "notice": ("Уважаемый(ая) {name}!\n\n"
               "По лицевому счёту {number} ({address}) числится задолженность за жилищно-коммунальные услуги "
               "в размере {debt}.\n"
               "Просим погасить задолженность. Оплатить можно в кассе или через банк по реквизитам "
               "платёжного документа.\n\n"
               "{enterprise}\n{phone}"),
    "reminder": ("Уважаемый(ая) {name}!\n\n"
                 "Напоминаем об оплате задолженности по лицевому счёту {number} ({address}): {debt}.\n"
                 "Если вы уже оплатили, не обращайте внимания на это письмо.\n\n"
                 "{enterprise}\n{phone}"),
    "warning": ("Уважаемый(ая) {name}!\n\n"
                "По лицевому счёту {number} ({address}) числится задолженность за коммунальные услуги "
                "в размере {debt}.\n"
                "В соответствии с подпунктом «а» пункта 119 Правил предоставления коммунальных услуг "
                "(постановление Правительства РФ от 06.05.2011 № 354) предупреждаем: если задолженность не будет "
                "погашена в течение 20 дней со дня доставки настоящего предупреждения, предоставление "
                "коммунальной услуги {service} будет ограничено, а затем приостановлено (либо приостановлено "
                "без предварительного ограничения при отсутствии технической возможности ограничения).\n\n"
                "{enterprise}\n{phone}"),
}

SMS = {
    "notice": "{enterprise}: долг по л/с {number} {debt}. Просим оплатить. {phone}",
    "reminder": "{enterprise} напоминает: оплатите долг по л/с {number} {debt}. {phone}",
    "warning": ("{enterprise}: долг по л/с {number} {debt}. Если не погасить в течение 20 дней со дня получения "
                "этого сообщения, услуга {service} будет ограничена/приостановлена (п.119 ПП 354). {phone}"),
}


def fill(kind: str, channel: str, *, number: str, name: str, address: str, debt_kop: int, enterprise: str,
         phone: str, service: str = "") -> tuple[str, str]:
    """(subject, body) of a short letter of `kind` for `channel`, filled in."""
    values = {"number": number, "name": name, "address": address, "debt": money(debt_kop),
              "enterprise": enterprise, "phone": f"Тел. {phone}" if phone else "",
              "service": service or "(указать услугу)"}
    body = (EMAIL if channel == "email" else SMS)[kind].format(**values).strip()
    return SUBJECTS[kind].format(**values), body
