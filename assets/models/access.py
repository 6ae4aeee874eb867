"""A user's role and the org unit whose subtree they may see and change."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..choices import UserRole
from .org import OrgUnit


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qm_profile")
    role = models.CharField(_("角色"), max_length=16, choices=UserRole.choices)
    unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("管辖单位"), help_text=_("空表示全局"))
    person = models.OneToOneField("assets.Person", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="user_profile", verbose_name=_("对应人员"))
    # The language the user last chose with the switch; notifications sent to them (mail, robots, in-app) are
    # written in it. Empty: never chosen, the bureau's language (QM_LANGUAGE).
    language = models.CharField(_("语言"), max_length=8, blank=True, default="", choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("用户角色")
        verbose_name_plural = pgettext_lazy("plural", "用户角色")

    def __str__(self):
        return f"{self.user} {self.get_role_display()} {self.unit or '*'}"
