"""Outgoing delivery: alert notifications (in-app, e-mail, 企业微信 and 钉钉 robots), daily digests, scheduled reports."""
