"""The administrators' user pages: list the logins of their subtree, create one with a role and unit scope, change
role, scope and name, reset the password, deactivate. Writes go through assets.users (change log included); the
rows and the unit choices are cut by assets.access, so a scoped administrator manages only their subtree."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, password_validation
from django.contrib.contenttypes.models import ContentType
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from quartermaster.errors import DomainError

from . import access, users
from .choices import UserRole
from .models import ChangeRecord, OrgUnit, Person, Profile

User = get_user_model()


class _PasswordFields(forms.Form):
    password1 = forms.CharField(label=_("密码"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput, strip=False)

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("两次输入的密码不一致"))
        elif first:
            try:
                password_validation.validate_password(first, self.instance_user())
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data

    def instance_user(self):
        return None


class _ProfileFields(forms.Form):
    first_name = forms.CharField(label=_("姓名"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("角色"), choices=UserRole.choices)
    unit = forms.ModelChoiceField(label=_("管辖单位"), queryset=OrgUnit.objects.none(), required=False,
                                  empty_label=_("全局（全局范围）"))

    staff_no = forms.CharField(label=_("对应人员工号"), max_length=64, required=False,
                               help_text=_("该账号使用者在人员名册中的工号（可不填）"))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["unit"].queryset = access.restrict(OrgUnit.objects.order_by("path"), actor)
        if not access.whole_bureau(actor):
            # A scoped administrator hands out scopes inside their own subtree only, never the whole bureau.
            self.fields["unit"].required = True
            self.fields["unit"].empty_label = None


    def clean_staff_no(self):
        """The person this login belongs to, found within the administrator's scope (None: not given)."""
        staff_no = self.cleaned_data["staff_no"].strip()
        if not staff_no:
            return None
        person = access.restrict(Person.objects.all(), self.actor).filter(staff_no=staff_no).first()
        if person is None:
            raise forms.ValidationError(_("人员名册中没有工号 %(staff_no)s（或不在您的管辖范围内）"),
                                        params={"staff_no": staff_no})
        target = getattr(self, "target", None)
        other = Profile.objects.filter(person=person).exclude(user_id=target.pk if target else None).first()
        if other is not None:
            raise forms.ValidationError(_("%(name)s（%(staff_no)s）已对应账号 %(username)s"), params={
                "name": person.name, "staff_no": staff_no, "username": other.user.get_username()})
        return person


class UserCreateForm(_ProfileFields, _PasswordFields):
    username = forms.CharField(label=_("用户名"), max_length=150)
    field_order = ["username", "first_name", "role", "unit", "staff_no", "password1", "password2"]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username=username).exists():
            raise forms.ValidationError(_("用户名 %(name)s 已被使用"), params={"name": username})
        return username


class UserChangeForm(_ProfileFields):
    is_active = forms.BooleanField(label=_("启用"), required=False)

    def __init__(self, *args, target, **kwargs):
        super().__init__(*args, **kwargs)
        self.target = target

    def clean(self):
        data = super().clean()
        demoted = data.get("role") != UserRole.ADMINISTRATOR
        if self.target.pk == self.actor.pk and (not data.get("is_active") or demoted):
            raise forms.ValidationError(_("不能停用自己的账号或取消自己的系统管理员角色"))
        return data


class PasswordResetForm(_PasswordFields):
    def __init__(self, *args, target, **kwargs):
        super().__init__(*args, **kwargs)
        self.target = target

    def instance_user(self):
        return self.target


def _managed(request, action: str = access.VIEW):
    users_ = access.restrict(User.objects.select_related("qm_profile__unit"), request.user, action)
    # Superusers stand above every role: only another superuser changes them.
    return users_ if request.user.is_superuser or action == access.VIEW else users_.exclude(is_superuser=True)


def _history(user) -> list[ChangeRecord]:
    return list(ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(User),
                                            object_id=str(user.pk)).order_by("-at", "-pk")[:20])


@access.page("auth.User")
def user_list(request):
    accounts = _managed(request).order_by("username")
    return render(request, "users/user_list.html", {"accounts": accounts})


@access.page("auth.User", access.ADD)
def user_create(request):
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = users.user_create(username=data["username"], password=data["password1"], role=data["role"],
                                        unit=data["unit"], person=data["staff_no"], first_name=data["first_name"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, gettext("已创建用户 %(name)s") % {"name": created.username})
            return redirect("assets:user-edit", pk=created.pk)
    return render(request, "users/user_form.html", {"form": form, "creating": True})


@access.page("auth.User", access.CHANGE)
def user_edit(request, pk: int):
    target = get_object_or_404(_managed(request, access.CHANGE), pk=pk)
    profile = getattr(target, "qm_profile", None)
    initial = {"first_name": target.first_name, "is_active": target.is_active,
               "role": profile.role if profile else "", "unit": profile.unit if profile else None,
               "staff_no": profile.person.staff_no if profile and profile.person else ""}
    form = UserChangeForm(request.POST if request.method == "POST" else None, initial=initial, actor=request.user,
                          target=target)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            users.user_update(user=target, role=data["role"], unit=data["unit"], person=data["staff_no"],
                              first_name=data["first_name"], is_active=data["is_active"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, gettext("已保存用户 %(name)s") % {"name": target.username})
            return redirect("assets:user-edit", pk=target.pk)
    return render(request, "users/user_form.html", {
        "form": form, "target": target, "password_form": PasswordResetForm(target=target),
        "history": _history(target)})


@access.page("auth.User", access.CHANGE)
def user_password(request, pk: int):
    target = get_object_or_404(_managed(request, access.CHANGE), pk=pk)
    form = PasswordResetForm(request.POST or None, target=target)
    if request.method == "POST" and form.is_valid():
        users.user_update(user=target, password=form.cleaned_data["password1"])
        messages.success(request, gettext("已重置用户 %(name)s 的密码") % {"name": target.username})
        return redirect("assets:user-edit", pk=target.pk)
    return render(request, "users/user_password.html", {"form": form, "target": target})
