"""Date formats per language, over Django's own (settings.FORMAT_MODULE_PATH).

Templates write ``|date:"SHORT_DATE_FORMAT"`` where a date is short ("17 Feb 2026",
"17 févr. 2026"), ``"j F Y"`` where it is long ("17 February 2026", "17 février 2026") and
``"F Y"`` for a month ("February 2026", "février 2026"): Django translates month names.
"""

from django.utils.translation import pgettext_lazy

# French short months are CLDR's ("janv.", "févr.", "mars", ... "déc."). Django's own
# catalogue says "jan." and "fév." for these two; this project's catalogue (LOCALE_PATHS)
# takes precedence, and marking the strings here keeps them in it.
MONTHS_AP_OVERRIDES = (
    pgettext_lazy("abbrev. month", "Jan."),
    pgettext_lazy("abbrev. month", "Feb."),
)
