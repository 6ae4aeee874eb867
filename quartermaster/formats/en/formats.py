"""Dates on English pages as the Chinese pages give them, numerically ("2022-01-03 00:00", not Django's
"Jan. 3, 2022, midnight"): the bureau's records are read side by side in both languages."""
DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
