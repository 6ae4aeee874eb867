"""The transports against the local receivers: the robots' formats, 钉钉's signature, secrets kept out of errors."""
import pytest

from quartermaster.notify import senders


def test_wecom_markdown_reaches_the_receiver_in_its_format(robots):
    senders.send_wecom(url=f"{robots.base}wecom/send?key=K-123", title="标题", text="> 车辆：苏D·A0001")
    (got,) = robots.received
    assert got["query"] == {"key": "K-123"}
    assert got["body"]["markdown"]["content"].startswith("### 标题\n> 车辆：苏D·A0001")


def test_a_signed_dingtalk_message_passes_the_receivers_signature_check(robots):
    robots.secrets["T-9"] = "SEC0123456789abcdef+/="
    senders.send_dingtalk(url=f"{robots.base}dingtalk/send?access_token=T-9", secret="SEC0123456789abcdef+/=",
                          title="告警", text="正文")
    (got,) = robots.received
    assert got["body"] == {"msgtype": "markdown", "markdown": {"title": "告警", "text": "### 告警\n\n正文"}}
    assert set(got["query"]) == {"access_token", "timestamp", "sign"}


def test_a_wrong_dingtalk_secret_is_refused_and_the_error_names_no_secret(robots):
    robots.secrets["T-9"] = "the-right-secret"
    with pytest.raises(senders.SendError) as refused:
        senders.send_dingtalk(url=f"{robots.base}dingtalk/send?access_token=T-9", secret="a-wrong-secret",
                              title="告警", text="正文")
    assert "310000" in str(refused.value) and "sign not match" in str(refused.value)
    assert "a-wrong-secret" not in str(refused.value) and "T-9" not in str(refused.value)
    assert robots.received == [] and robots.rejected[0][1] == 310000


def test_an_http_failure_is_a_send_error_without_the_key(robots):
    robots.fail_next = 1
    with pytest.raises(senders.SendError) as failed:
        senders.send_wecom(url=f"{robots.base}wecom/send?key=SECRET-KEY", title="t", text="x")
    assert "HTTP 500" in str(failed.value) and "SECRET-KEY" not in str(failed.value)


def test_urls_outside_the_allowed_prefixes_are_never_posted(robots, settings):
    settings.QM_NOTIFY_WEBHOOK_PREFIXES = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?"
    with pytest.raises(senders.SendError, match="QM_NOTIFY_WEBHOOK_PREFIXES"):
        senders.send_wecom(url=f"{robots.base}wecom/send?key=K", title="t", text="x")
    assert robots.received == [] and robots.rejected == []


def test_the_log_form_of_a_url_cuts_every_query_value():
    shown = senders.display_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa")
    assert shown == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a***"


def test_user_text_cannot_make_links_or_html_in_a_robots_markdown():
    escaped = senders.md_escape("老街[酒楼](http://evil.example) <font color=red>x</font>\n# 标题")
    assert "](" not in escaped and "<" not in escaped and "\n" not in escaped
    assert escaped.startswith("老街\\[酒楼\\]\\(")


def test_long_messages_are_cut_to_the_robots_limits():
    body = senders.wecom_body("t", "很长" * 3000)
    assert len(body["markdown"]["content"].encode()) <= 4096 and body["markdown"]["content"].endswith("…")


def test_a_temporary_smtp_failure_is_a_send_error(smtp):
    smtp.fail_next = 1
    with pytest.raises(senders.SendError, match="SMTP"):
        senders.send_email(to=["a@bureau.test"], subject="s", body="b")
    senders.send_email(to=["a@bureau.test"], subject="主题", body="正文",
                       attachments=[("r.csv", b"a,b\n", "text/csv")])
    (mail,) = smtp.to("a@bureau.test")
    assert mail["Subject"] == "主题" and mail["From"] == "qm@bureau.test"
    assert [part.get_filename() for part in mail.iter_attachments()] == ["r.csv"]
