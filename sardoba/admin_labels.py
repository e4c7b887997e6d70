"""Back-office labels in Russian, Uzbek and English, chosen by the active language.

Django ships Russian and Uzbek translations of its own admin; the few labels of
our back office are kept here, beside each other, instead of in `.po` files that
would need `msgfmt` at build time.
"""

from __future__ import annotations

from django.utils.functional import lazy
from django.utils.translation import get_language


def _pick(en: str, ru: str, uz: str) -> str:
    language = (get_language() or "ru")[:2]
    return {"ru": ru, "uz": uz}.get(language, en)


_lazy_pick = lazy(_pick, str)


def label(en: str, ru: str, uz: str) -> str:
    """A lazy label rendered in the language active when it is displayed."""
    return _lazy_pick(en, ru, uz)
