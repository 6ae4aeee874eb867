"""The disposal (报废) pages: requests with their approvals (file, approve, refuse) and the approved-disposals
register (page and XLSX). Writes go through assets.disposals; rows are cut by assets.access."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from quartermaster.errors import DomainError

from . import access, disposals
from .labels import joined
from .models import Asset, DisposalPhoto, DisposalRequest, OrgUnit
from .reports import disposal_register_xlsx_response


class _MultipleImages(forms.ClearableFileInput):
    allow_multiple_selected = True


class _Photos(forms.ImageField):
    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(_Photos, self).clean(f, initial) for f in files]


class DisposalForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("申请单位"), to_field_name="code")
    tags = forms.CharField(label=_("装备标签号（每行一个）"), widget=forms.Textarea(attrs={"rows": 4}))
    reason = forms.CharField(label=_("报废原因"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = _Photos(label=_("照片"), required=False, widget=_MultipleImages)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = OrgUnit.objects.restrict(user, access.VIEW)
        self.fields["unit"].label_from_instance = lambda u: f"{u.name} ({u.code})"


def _file(request, form: DisposalForm):
    tags = [t.strip() for t in form.cleaned_data["tags"].split() if t.strip()]
    found = {a.tag: a for a in access.restrict(Asset.objects.all(), request.user, access.CHANGE).filter(tag__in=tags)
             .select_related("unit", "category")}
    unknown = [t for t in tags if t not in found]
    if unknown:
        raise DomainError(_("未知标签或不在管辖范围内：%(tags)s"), tags=joined(unknown))
    return disposals.disposal_request(unit=form.cleaned_data["unit"], assets=[found[t] for t in tags],
                                      reason=form.cleaned_data["reason"], photos=form.cleaned_data["photos"])


@access.page("assets.DisposalRequest")
def disposal_list(request):
    may_request = access.may(request.user, access.ADD, DisposalRequest)
    form = DisposalForm(user=request.user) if may_request else None
    if request.method == "POST" and may_request:
        form = DisposalForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                made = _file(request, form)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, gettext("报废申请 %(number)s 已提交") % {"number": made.number})
                return redirect("assets:disposals")
    rows = access.restrict(DisposalRequest.objects.all(), request.user).select_related("unit").prefetch_related(
        "items__asset", "approvals", "photos")
    status = request.GET.get("status", "")
    if status:
        rows = rows.filter(status=status)
    requests = list(rows[:200])
    for row in requests:
        row.waiting_for = disposals.next_level(row)
    return render(request, "disposals/disposal_list.html", {"form": form, "requests": requests, "status": status})


def _decide(request, pk: int, decide) -> object:
    row = get_object_or_404(access.restrict(DisposalRequest.objects.all(), request.user), pk=pk)
    if request.method == "POST":
        try:
            decide(row)
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("assets:disposals")


@access.page("assets.DisposalRequest", "approve")
def disposal_approve(request, pk: int):
    def approve(row):
        done = disposals.disposal_approve(request=row, user=request.user, note=request.POST.get("note", ""))
        messages.success(request, gettext("%(number)s：已审批（%(status)s）") % {
            "number": done.number, "status": done.get_status_display()})
    return _decide(request, pk, approve)


@access.page("assets.DisposalRequest", "refuse")
def disposal_refuse(request, pk: int):
    def refuse(row):
        done = disposals.disposal_refuse(request=row, user=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, gettext("%(number)s：已驳回") % {"number": done.number})
    return _decide(request, pk, refuse)


@access.page("assets.DisposalRequest")
def disposal_register(request):
    rows = disposals.approved_register(access.restrict(DisposalRequest.objects.all(), request.user))
    if request.GET.get("export") == "xlsx":
        return disposal_register_xlsx_response(rows)
    return render(request, "disposals/disposal_register.html", {"rows": rows})


@access.page("assets.DisposalPhoto")
def disposal_photo(request, pk: int):
    """A disposal request's photo, to the users who may see the request (media files are not served openly: the
    page linked to /media/, which nothing serves)."""
    photo = get_object_or_404(access.restrict(DisposalPhoto.objects.all(), request.user), pk=pk)
    return access.private_file(photo.image, missing="photo missing from storage")
