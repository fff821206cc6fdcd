from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from spa.lib.errors import DomainError


class TreatmentsError(DomainError):
    ERROR_MESSAGES = {
        "unknown_concern": _("Unknown concern: %(slug)s. Choose one of: %(valid)s."),
        "unknown_area": _("Unknown treatment area: %(slug)s. Choose one of: %(valid)s."),
        "no_rule": _("%(concern)s is not treated %(area)s; please choose another area."),
    }
