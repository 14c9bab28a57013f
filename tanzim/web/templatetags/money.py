"""``{% amount fee %}``: one presentation of money on every page (issue 15, 7).

The rials with thousands separators, the tomans beside them and, unless ``words=False``, the
amount in words underneath, all in the page's language (``tanzim.common.money_words``)::

    {% load money %}
    {% amount quote.client_total %}              → ۳۸۵٬۰۰۰ ریال (۳۸٬۵۰۰ تومان)
                                                   سیصد و هشتاد و پنج هزار ریال
    {% amount line.amount words=False %}         → in tables
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from tanzim.common.money_words import explain

register = template.Library()


@register.simple_tag
def amount(value, words: bool = True, css: str = "", id: str = "") -> SafeString | str:
    if value in (None, ""):
        return ""
    shown = explain(int(value))
    words_html = (
        format_html(
            '<span class="money-words d-block small text-muted">{} {}</span>', shown.words, _("rials")
        )
        if words
        else ""
    )
    return format_html(
        '<span class="money {}" data-rials="{}"{}>'
        '<span class="money-rials text-nowrap"><bdi>{}</bdi> {}</span>'
        ' <span class="money-tomans text-nowrap text-muted small">({} {})</span>{}</span>',
        css,
        int(value),
        format_html(' id="{}"', id) if id else "",
        shown.rials,
        _("rials"),
        shown.tomans,
        _("tomans"),
        words_html,
    )


@register.simple_tag
def amount_words(value) -> str:
    """``{% amount_words total %}`` → ``سیصد و هشتاد و پنج هزار ریال (۳۸٬۵۰۰ تومان)``: for documents
    (the receipt) whose own layout shows the figure."""
    if value in (None, ""):
        return ""
    shown = explain(int(value))
    return f"{shown.words} {_('rials')} ({shown.tomans} {_('tomans')})"
