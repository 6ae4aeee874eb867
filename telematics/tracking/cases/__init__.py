"""Alerts handled as cases (告警核查): 待说明 → 已说明 → 认定 / 排除, the evidence pack, the alert history."""
