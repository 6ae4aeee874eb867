"""The administrators' user pages (create, role and scope, password reset, deactivation, each in the change log),
the styled 403/404 pages, and the rule that no link on a start page leads to a page its user cannot open."""
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from assets import services
from assets.choices import UserRole
from assets.models import ChangeRecord, Profile
from tests.support.api_cases import ROLES, WorldTestCase
from tests.support.fixtures import make_user

pytestmark = pytest.mark.django_db
User = get_user_model()
NEW_PASSWORD = "Qm-new-pass-2026"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _links(html: str) -> set[str]:
    return {href for href in re.findall(r'<a [^>]*href="([^"]+)"', html) if href.startswith("/")}


class TestStartPageLinks(WorldTestCase):
    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("scope", ["brigade", "bureau"])
    def test_every_link_on_the_start_page_opens(self, world, role, scope):
        user = world.users[role] if scope == "brigade" else world.whole_users[role]
        client = _client(user)
        start = client.get("/")
        assert start.status_code == 200
        links = _links(start.content.decode())
        assert len(links) >= 3
        refused = {url: client.get(url).status_code for url in sorted(links)}
        refused = {url: status for url, status in refused.items() if status != 200}
        assert refused == {}


class TestUserPages(WorldTestCase):
    def _create(self, client, world, **overrides):
        data = {"username": "wang.li", "first_name": "王丽", "role": UserRole.LOGISTICS,
                "unit": world.units["CZ-TN-01"].pk, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, **overrides}
        return client.post("/users/new/", data)

    def test_an_administrator_creates_a_user_recorded_in_the_change_log(self, world):
        client = _client(world.users[UserRole.ADMINISTRATOR])
        response = self._create(client, world)
        created = User.objects.get(username="wang.li")
        assert response.status_code == 302 and response["Location"] == f"/users/{created.pk}/"
        assert created.check_password(NEW_PASSWORD) and created.is_active
        assert (created.qm_profile.role, created.qm_profile.unit.code) == (UserRole.LOGISTICS, "CZ-TN-01")
        record = ChangeRecord.objects.get(object_id=str(created.pk), content_type__model="user", action="create")
        assert (record.username, record.source) == ("administrator-tn", "web")
        assert "password" not in record.after and record.after["role"] == UserRole.LOGISTICS
        page = client.get(f"/users/{created.pk}/").content.decode()
        assert "已创建用户 wang.li" in page and "administrator-tn" in page
        assert "wang.li" in client.get("/users/").content.decode()

    def test_a_login_is_tied_to_a_person_of_the_scope_once(self, world):
        client = _client(world.users[UserRole.ADMINISTRATOR])
        outsider = services.person_create(staff_no="W900", name="赵六", unit=world.units["CZ-WJ-01"], role="officer")
        page = self._create(client, world, staff_no=outsider.staff_no).content.decode()
        assert "人员名册中没有工号 W900" in page and not User.objects.filter(username="wang.li").exists()
        self._create(client, world, staff_no="P001")
        created = User.objects.get(username="wang.li")
        assert created.qm_profile.person.staff_no == "P001"
        record = ChangeRecord.objects.get(object_id=str(created.pk), content_type__model="user", action="create")
        assert record.after["person"] == "P001"
        assert "wang.li" in client.get("/people/P001/").content.decode()
        taken = self._create(client, world, username="li.wang", staff_no="P001").content.decode()
        assert "张三（P001）已对应账号 wang.li" in taken
        edit = client.post(f"/users/{created.pk}/", {"first_name": "王丽", "role": UserRole.LOGISTICS,
                                                     "unit": world.units["CZ-TN-01"].pk, "is_active": "on",
                                                     "staff_no": ""})
        assert edit.status_code == 302
        created.qm_profile.refresh_from_db()
        assert created.qm_profile.person is None

    def test_a_taken_username_and_mismatched_passwords_are_refused_in_chinese(self, world):
        client = _client(world.users[UserRole.ADMINISTRATOR])
        page = self._create(client, world, username="fleet-tn", password2="other").content.decode()
        assert "用户名 fleet-tn 已被使用" in page and "两次输入的密码不一致" in page
        assert not User.objects.filter(first_name="王丽").exists()

    def test_a_scoped_administrator_manages_only_the_subtree(self, world):
        client = _client(world.users[UserRole.ADMINISTRATOR])  # scope CZ-TN
        outside = make_user("fleet-wj", UserRole.FLEET, world.units["CZ-WJ-01"])
        listing = client.get("/users/").content.decode()
        assert "fleet-tn" in listing and "fleet-wj" not in listing and "fleet-cz" not in listing
        assert client.get(f"/users/{outside.pk}/").status_code == 404
        assert client.post(f"/users/{outside.pk}/password/",
                           {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code == 404
        # Neither a unit outside the subtree nor the whole bureau can be handed out.
        for unit in (world.units["CZ-WJ-01"].pk, ""):
            response = self._create(client, world, unit=unit)
            assert response.status_code == 200 and "id_unit" in response.content.decode()
        assert not User.objects.filter(username="wang.li").exists()

    def test_a_bureau_administrator_grants_the_whole_bureau(self, world):
        client = _client(world.whole_users[UserRole.ADMINISTRATOR])
        self._create(client, world, unit="", role=UserRole.AUDITOR)
        profile = Profile.objects.get(user__username="wang.li")
        assert (profile.role, profile.unit) == (UserRole.AUDITOR, None)

    def test_role_change_deactivation_and_password_reset_each_leave_a_record(self, world):
        client = _client(world.users[UserRole.ADMINISTRATOR])
        target = world.users[UserRole.FLEET]
        response = client.post(f"/users/{target.pk}/", {"first_name": "赵强", "role": UserRole.AUDITOR,
                                                         "unit": world.units["CZ-TN-01"].pk})  # is_active unticked
        assert response.status_code == 302
        target.refresh_from_db()
        assert not target.is_active and target.first_name == "赵强"
        assert Profile.objects.get(user=target).role == UserRole.AUDITOR
        response = client.post(f"/users/{target.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        assert response.status_code == 302
        target.refresh_from_db()
        assert target.check_password(NEW_PASSWORD)
        records = ChangeRecord.objects.filter(object_id=str(target.pk), content_type__model="user",
                                              action="update").order_by("pk")
        assert [(r.before["is_active"], r.after["is_active"], r.after["role"]) for r in records] == [
            (True, False, UserRole.AUDITOR), (False, False, UserRole.AUDITOR)]
        assert records[1].after["password"] == "changed" and "password" not in records[1].before
        assert {r.source for r in records} == {"web"}

    def test_administrators_cannot_lock_themselves_out(self, world):
        me = world.users[UserRole.ADMINISTRATOR]
        client = _client(me)
        page = client.post(f"/users/{me.pk}/", {"role": UserRole.ADMINISTRATOR,
                                                "unit": world.units["CZ-TN"].pk}).content.decode()
        assert "不能停用自己的账号" in page
        me.refresh_from_db()
        assert me.is_active

    def test_a_weak_password_is_refused(self, world):
        client = _client(world.users[UserRole.ADMINISTRATOR])
        target = world.users[UserRole.FLEET]
        response = client.post(f"/users/{target.pk}/password/", {"password1": "123", "password2": "123"})
        assert response.status_code == 200 and "id_password1" in response.content.decode()
        target.refresh_from_db()
        assert target.check_password("pass-12345")


class TestErrorPages(WorldTestCase):
    def test_403_is_styled_and_in_the_users_language(self, world):
        client = _client(world.users[UserRole.LOGISTICS])
        response = client.get("/users/")
        page = response.content.decode()
        assert response.status_code == 403
        assert 'id="main-nav"' in page and "无权访问" in page and "Forbidden" not in page
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        page = client.get("/users/").content.decode()
        assert "Access denied" in page and "无权访问" not in page

    def test_404_is_styled_and_in_the_users_language(self, world):
        client = _client(world.users[UserRole.ADMINISTRATOR])
        response = client.get("/users/999999/")
        page = response.content.decode()
        assert response.status_code == 404
        assert 'id="main-nav"' in page and "页面不存在" in page
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        page = client.get("/no-such-page/").content.decode()
        assert "Page not found" in page and "页面不存在" not in page


def test_the_500_page_is_in_the_users_language(rf):
    from django.utils import translation
    from django.views.defaults import server_error

    for language, text in (("zh-hans", "服务器出错"), ("en", "Server error")):
        with translation.override(language):
            response = server_error(rf.get("/"))
        assert response.status_code == 500 and text in response.content.decode()


class TestSuperusers(WorldTestCase):
    def test_only_a_superuser_changes_a_superuser(self, world):
        root = make_user("root", None, superuser=True)
        client = _client(world.whole_users[UserRole.ADMINISTRATOR])
        assert "root" in client.get("/users/").content.decode()
        assert client.get(f"/users/{root.pk}/").status_code == 404
        superuser = _client(make_user("root2", None, superuser=True))
        assert superuser.get(f"/users/{root.pk}/").status_code == 200


class TestEnglish(WorldTestCase):
    def test_the_user_pages_in_english_hold_no_chinese_but_data(self, world):
        from assets.models import OrgUnit

        client = _client(world.users[UserRole.ADMINISTRATOR])
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        data = sorted([u.name for u in OrgUnit.objects.all()] + ["简体中文"], key=len, reverse=True)
        target = world.users[UserRole.FLEET].pk
        for url in ("/users/", "/users/new/", f"/users/{target}/", f"/users/{target}/password/"):
            html = client.get(url).content.decode()
            assert "Reset password" in html or "New user" in html or "Users and roles" in html, url
            for name in data:
                html = html.replace(name, "")
            assert re.findall(r"[\u4e00-\u9fff]+", html) == [], url
