"""Django settings for Quartermaster, all of them in one place, read from the environment."""
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _flag(name: str, default: bool) -> bool:
    return (_env(name, "1" if default else "0") or "").strip().lower() in ("1", "true", "yes", "on")


def _list(name: str) -> list[str]:
    return [item.strip() for item in (_env(name, "") or "").split(",") if item.strip()]


# QM_ENV: `development` (the default: `make demo`, `make test`, no configuration needed) or `production` (a site
# behind TLS: refuses to start without its own secret key and host names, secure cookies and HSTS, never DEBUG).
QM_ENV = (_env("QM_ENV", "development") or "development").strip().lower()
if QM_ENV not in ("development", "production"):
    raise ImproperlyConfigured(f"QM_ENV must be 'development' or 'production', not {QM_ENV!r}")
PRODUCTION = QM_ENV == "production"
DEVELOPMENT_SECRET_KEY = "quartermaster-insecure-development-key-change-me"
SECRET_KEY_MIN_LENGTH = 50  # Django's own deploy check (security.W009): at least 50 characters, 5 different

SECRET_KEY = _env("QM_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
DEBUG = _env("QM_DEBUG", "0") == "1"
ALLOWED_HOSTS = _list("QM_ALLOWED_HOSTS") or ["*"]
CSRF_TRUSTED_ORIGINS = _list("QM_CSRF_TRUSTED_ORIGINS")
# A refused form post (a page left open past its session, cookies off) answers with the site's own 403 page.
CSRF_FAILURE_VIEW = "quartermaster.views.csrf_failure"

if PRODUCTION:
    if (SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
            or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-")):
        raise ImproperlyConfigured(
            f"QM_ENV=production needs QM_SECRET_KEY: a secret of at least {SECRET_KEY_MIN_LENGTH} random characters "
            "of its own (not the development key), e.g. from "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(64))'`")
    ALLOWED_HOSTS = _list("QM_ALLOWED_HOSTS")
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "QM_ENV=production needs QM_ALLOWED_HOSTS: the host names the site answers to, comma-separated "
            "(e.g. qm.example.gov.cn), never '*'")
    DEBUG = False  # QM_DEBUG is ignored: tracebacks and the open API schema are for development only
    # TLS ends at the proxy (deploy/nginx/quartermaster.conf), which sets X-Forwarded-Proto on every request.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _flag("QM_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(_env("QM_HSTS_SECONDS", "31536000") or "0")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("QM_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _flag("QM_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "quartermaster",
    "assets",
    "uniforms",
    "gis",
    "telematics",
    "telematics.tracking",
    "telematics.journeys",
    "compliance",
    "workbook",
    "recorders",
    "quartermaster.notify",
    "simulators",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "quartermaster.language.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "quartermaster.context.ChangeContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "quartermaster.urls"
WSGI_APPLICATION = "quartermaster.wsgi.application"
ASGI_APPLICATION = "quartermaster.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "quartermaster" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "quartermaster.navigation.navigation",
                "quartermaster.notify.context.unread",
            ],
        },
    },
]

DATABASE_URL = _env("QM_DATABASE_URL", f"sqlite:///{Path.cwd() / 'qm.sqlite3'}")
# PostgreSQL: the role the app runs as, granted only SELECT/INSERT on append-only tables (quartermaster/dbroles.py);
# `qm migrate` and `qm dbroles` connect as the owner through QM_MIGRATION_DATABASE_URL (quartermaster/cli.py).
QM_DATABASE_RUNTIME_ROLE = _env("QM_DATABASE_RUNTIME_ROLE", "")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the ingest write while the web app reads in the embedded demo.
    # Several processes write (demo: ingest, simulator, web app): IMMEDIATE transactions wait for the write lock
    # (up to `timeout`) instead of failing with "database is locked" when a read turns into a write.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL;",
                                       "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"].setdefault("TEST", {})
# A streaming replica of the primary (quartermaster/dbrouter.py): the map, replay, reports, listings and the API's
# GET list/retrieve read there while it is at most QM_REPLICA_MAX_LAG_SECONDS behind; everything else stays on the
# primary. Under the test runner it mirrors `default` (Django's way for replicas); tests/support/replica.py runs a
# real one.
REPLICA_DATABASE_URL = _env("QM_REPLICA_DATABASE_URL")
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = dj_database_url.parse(REPLICA_DATABASE_URL, conn_max_age=60)
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["quartermaster.dbrouter.ReplicaRouter"]
QM_REPLICA_MAX_LAG_SECONDS = float(_env("QM_REPLICA_MAX_LAG_SECONDS", "30"))
QM_REPLICA_CHECK_SECONDS = float(_env("QM_REPLICA_CHECK_SECONDS", "1"))  # how often a process asks the replica's lag
QM_REPLICA_RETRY_SECONDS = float(_env("QM_REPLICA_RETRY_SECONDS", "10"))  # an unusable replica is asked again after
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
AUTHENTICATION_BACKENDS = ["quartermaster.auth.LockoutModelBackend"]
# Sign-in protection (quartermaster.auth) and API token lifetime (api.auth); 0 turns each off.
QM_LOGIN_MAX_FAILURES = int(_env("QM_LOGIN_MAX_FAILURES", "5"))
QM_LOGIN_LOCKOUT_MINUTES = int(_env("QM_LOGIN_LOCKOUT_MINUTES", "15"))
QM_TOKEN_TTL_HOURS = float(_env("QM_TOKEN_TTL_HOURS", "24"))
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English pages write dates numerically, as the Chinese ones do (quartermaster/formats/en).
FORMAT_MODULE_PATH = ["quartermaster.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(_env("QM_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(_env("QM_MEDIA_ROOT", str(BASE_DIR / "media")))
# A photo uploaded to a vehicle file larger than this is refused (telematics.services.vehicle_photo_add).
QM_VEHICLE_PHOTO_MAX_MB = float(_env("QM_VEHICLE_PHOTO_MAX_MB", "10"))
# Development serves static files straight from the apps; production from STATIC_ROOT after `qm collectstatic`
# (nginx serves them there; WhiteNoise stays as the fallback when the web app is reached without the proxy).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["assets.api.permissions.AccessPermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "api.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Quartermaster API",
    "DESCRIPTION": "Equipment registry, custody ledger, vehicle files, telematics and compliance.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc assets come from the drf-spectacular-sidecar package: the docs page works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # One named enum per choice set, so fields called `status` on different models do not collide.
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "assets.choices.UnitKind",
        "PersonRoleEnum": "assets.choices.PersonRole",
        "PersonStatusEnum": "assets.choices.PersonStatus",
        "AssetStatusEnum": "assets.choices.AssetStatus",
        "CustodyActionEnum": "assets.choices.CustodyAction",
        "UserRoleEnum": "assets.choices.UserRole",
        "ChangeActionEnum": "assets.choices.ChangeAction",
        "VehicleStatusEnum": "telematics.choices.VehicleStatus",
        "FootageRequestKindEnum": "recorders.choices.FootageRequestKind",
    },
    "PREPROCESSING_HOOKS": ["api.schema.drop_trailing_slash_twins"],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.add_error_responses"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": _env("QM_LOG_LEVEL", "WARNING")},
    "loggers": {"qm": {"level": _env("QM_LOG_LEVEL", "INFO"), "propagate": True}},
}

# --- Quartermaster settings (documented in README "Settings") ---------------------------------
QM_MQTT_URL = _env("QM_MQTT_URL")  # None: the demo starts an embedded broker
QM_TOPIC_PREFIX = _env("QM_TOPIC_PREFIX", "qm")
QM_CJK_FONT = _env("QM_CJK_FONT", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
QM_LANGUAGE = _env("QM_LANGUAGE", LANGUAGE_CODE)  # the language of reports the command line writes (zh-hans, en)
QM_TILE_URL = _env("QM_TILE_URL", "")
QM_TILE_CRS = _env("QM_TILE_CRS", "wgs84")
# Workbook import limits: a small crafted file must not cost gigabytes or hours (Excel's own sheet limits).
QM_IMPORT_MAX_ROWS = int(_env("QM_IMPORT_MAX_ROWS", "1048576"))
QM_IMPORT_MAX_COLUMNS = int(_env("QM_IMPORT_MAX_COLUMNS", "16384"))
QM_IMPORT_MAX_MB = int(_env("QM_IMPORT_MAX_MB", "256"))
# Recorders: local thresholds where the standards give no figure (定期, 及时), each marked local in what they show.
QM_SHIFT_OVERDUE_HOURS = float(_env("QM_SHIFT_OVERDUE_HOURS", "12"))  # a shift sign-out not back after this: overdue
QM_RECORDER_MAINTENANCE_DAYS = int(_env("QM_RECORDER_MAINTENANCE_DAYS", "90"))  # model 定期做好…维护和保养
QM_FOOTAGE_INSPECTION_DAYS = int(_env("QM_FOOTAGE_INSPECTION_DAYS", "90"))  # jiangsu 督察机构定期…检查
# Footage retention (jiangsu 执法全过程记录/6: 实行风险等级保存; local figures): days a dock's offload is kept by
# default, and per recording type (`type=days,…`; 0 = permanent). Footage marked as evidence is kept permanently.
QM_FOOTAGE_RETENTION_DAYS = int(_env("QM_FOOTAGE_RETENTION_DAYS", "180"))
QM_FOOTAGE_RETENTION_BY_TYPE = _env("QM_FOOTAGE_RETENTION_BY_TYPE", "case_handling=365,complaint=365")
# Book value (local settings: the standards say nothing): residual value as a share of the price, straight-line.
QM_RESIDUAL_RATE = float(_env("QM_RESIDUAL_RATE", "0.05"))
# Disposal (报废) approvals: up to this total price (yuan) one approval by a logistics officer of a higher unit;
# above it a second approval by an administrator.
QM_DISPOSAL_SINGLE_APPROVAL_MAX = float(_env("QM_DISPOSAL_SINGLE_APPROVAL_MAX", "2000"))

# Outgoing mail (notifications, digests, scheduled reports), sent by `qm notify` only. QM_SMTP_TLS: `starttls`,
# `ssl` (SMTPS, usually port 465) or `none`.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = _env("QM_SMTP_HOST", "localhost")
EMAIL_PORT = int(_env("QM_SMTP_PORT", "25"))
EMAIL_HOST_USER = _env("QM_SMTP_USER", "")
EMAIL_HOST_PASSWORD = _env("QM_SMTP_PASSWORD", "")
QM_SMTP_TLS = (_env("QM_SMTP_TLS", "none") or "none").lower()
EMAIL_USE_TLS = QM_SMTP_TLS == "starttls"
EMAIL_USE_SSL = QM_SMTP_TLS == "ssl"
DEFAULT_FROM_EMAIL = _env("QM_MAIL_FROM", "quartermaster@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The compliance indexes carry INCLUDE columns for PostgreSQL's index-only scans; SQLite (the demo) ignores them,
# which is fine there and not worth a warning at every migrate.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
