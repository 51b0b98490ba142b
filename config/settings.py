"""Continuum settings. Every value that varies between machines comes from config/env.py."""

from datetime import date, time, timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from config.env import env_bool, env_by_pathway, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-never-in-production" if DEBUG else None)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The local authority this deployment serves (shown in the header and on letters).
LOCAL_AUTHORITY_NAME = env_str("LOCAL_AUTHORITY_NAME", "Continuum demo council")
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "continuum-demo")
# What the public "ask for help" pages tell families (referrals/selectors.py: help_contact_details).
# The defaults are Ofcom's numbers reserved for drama, so a demo never shows a real line.
HELP_PHONE = env_str("HELP_PHONE", "0808 157 0192")
HELP_PHONE_HOURS = env_str("HELP_PHONE_HOURS", "Monday to Friday, 9am to 5pm, except bank holidays")
HELP_OUT_OF_HOURS_PHONE = env_str("HELP_OUT_OF_HOURS_PHONE", "0808 157 0193")
DATA_PROTECTION_EMAIL = env_str("DATA_PROTECTION_EMAIL", "data.protection@example.org")
# Which loaded threshold document (levels of need) the decision screens use.
THRESHOLD_DOCUMENT = env_str("THRESHOLD_DOCUMENT", "nottingham")
# The local authority's own closure days (YYYY-MM-DD, comma-separated), beyond bank holidays.
LA_CLOSURE_DAYS = frozenset(env_list("LA_CLOSURE_DAYS", []))
for _day in LA_CLOSURE_DAYS:
    try:
        date.fromisoformat(_day)
    except ValueError:
        raise ImproperlyConfigured(f"LA_CLOSURE_DAYS: {_day!r} is not a date like 2026-12-24.") from None
# Working hours, for deadlines counted in working hours (escalation stages).
try:
    WORKING_DAY_START = time.fromisoformat(env_str("WORKING_DAY_START", "09:00"))
    WORKING_DAY_END = time.fromisoformat(env_str("WORKING_DAY_END", "17:00"))
except ValueError:
    raise ImproperlyConfigured("WORKING_DAY_START / WORKING_DAY_END must be times like 09:00.") from None
if WORKING_DAY_END <= WORKING_DAY_START:
    raise ImproperlyConfigured("WORKING_DAY_END must be after WORKING_DAY_START.")
# The authority's own timescales, overriding DOMAIN.md's defaults (escalation/timescales.py):
# comma-separated kind=span, a span being 1wd (working days), 72h (hours), 4wh (working hours)
# or 84d (calendar days). Checked at start-up.
CLOCK_TIMESCALES = dict(
    item.split("=", 1) if "=" in item else (item, "") for item in env_list("CLOCK_TIMESCALES", [])
)
# How long a finished PDF chronology stays downloadable (hours), and where the files are kept.
CHRONOLOGY_EXPORT_HOURS = env_int("CHRONOLOGY_EXPORT_HOURS", 24, minimum=1)
BREAK_GLASS_HOURS = env_int("BREAK_GLASS_HOURS", 8, minimum=1)
# How long a family's single-use feedback link works (cases/services.py feedback_invite).
FEEDBACK_LINK_DAYS = env_int("FEEDBACK_LINK_DAYS", 28, minimum=1)
# How many step-downs and step-ups the monthly audit samples (seeds/003_40fab6e510133f40.txt, 5.8).
STEPDOWN_AUDIT_SAMPLE_SIZE = env_int("STEPDOWN_AUDIT_SAMPLE_SIZE", 5, minimum=1)
# How often a case is supervised, in weeks, by pathway (pathway:weeks, comma-separated; a pathway
# left out is not timed): the SUPERVISION clock (pathways/services.py).
SUPERVISION_WEEKS = env_by_pathway("SUPERVISION_WEEKS", "2:8,3:4,4:4")
# Drift review (stepdown/drift.py): when an open case counts as drifting. Each rule has a default
# a council may change; see docs/practice-and-oversight.md.
DRIFT_OPEN_MONTHS = env_int("DRIFT_OPEN_MONTHS", 9, minimum=1)  # at pathway 3 open longer than...
DRIFT_PLAN_STILL_MONTHS = env_int("DRIFT_PLAN_STILL_MONTHS", 3, minimum=1)  # ...with no plan change in
# The statutory (or local) visiting interval, in days, by pathway: no visit in it is drift.
DRIFT_VISIT_DAYS = env_by_pathway("DRIFT_VISIT_DAYS", "2:42,3:28,4:14")
DRIFT_CP_PLAN_MONTHS = env_int("DRIFT_CP_PLAN_MONTHS", 18, minimum=1)
# A child at pathway 3 or 4 not seen alone in this many days.
DRIFT_SEEN_ALONE_DAYS = env_int("DRIFT_SEEN_ALONE_DAYS", 42, minimum=1)
EXPORT_DIR = Path(env_str("EXPORT_DIR", str(VAR_DIR / "exports")))
# How long before a clock is due its holder is reminded (hours).
CLOCK_WARNING_HOURS = env_int("CLOCK_WARNING_HOURS", 24, minimum=0)
# The statutory returns (docs/census.md). LEA: the authority's three-digit DfE code.
LEA_CODE = env_str("LEA_CODE", "999")
if not (len(LEA_CODE) == 3 and LEA_CODE.isdigit()):
    raise ImproperlyConfigured(f"LEA_CODE={LEA_CODE!r} must be the authority's three-digit DfE code.")
# Which pathways make a child a child in need for the census: a decision into one of them opens
# each child's CIN episode, leaving them all closes it. "3" (the default) counts support to reduce
# risk and child protection; an authority that counts Family Help as s17 work sets "2".
CIN_EPISODE_FROM_PATHWAY = int(env_choice("CIN_EPISODE_FROM_PATHWAY", "3", {"2", "3"}))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.forms",
    "rest_framework",
    "knox",  # API tokens, stored hashed (accounts.ApiToken)
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "guardian",
    "pgtrigger",
    "axes",  # lock-out after failed sign-ins (accounts/lockout.py)
    "django_otp",  # the second factor (accounts/middleware.py)
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "config",  # project-wide pieces: GOV.UK form rendering, template tags, health, tasks
    "accounts",
    "cases",
    "pathways",
    "assessments",
    "referrals",
    "stepdown",
    "fgc",
    "escalation",
    "disagreements",
    "audit",
    "returns",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "config.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "audit.middleware.AccessLogMiddleware",
    "audit.middleware.RestrictedRecordMiddleware",
    "axes.middleware.AxesMiddleware",  # a refused sign-in is answered 429 (accounts/lockout.py)
]

ROOT_URLCONF = "config.urls"
FORM_RENDERER = "config.forms.GovukFormRenderer"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.service",
            ],
        },
    },
]

# --- Database: PostgreSQL only -------------------------------------------------------------
_database_url = env_str("DATABASE_URL")
if not _database_url:
    raise ImproperlyConfigured(
        "DATABASE_URL must be set, e.g. postgresql://postgres@127.0.0.1:5432/continuum "
        "(`make demo` and `make test` start an embedded PostgreSQL when it is not)."
    )


def _postgresql(name: str, url: str) -> dict:
    """The connection settings for env var `name`'s URL, which must be PostgreSQL's."""
    try:
        database = dj_database_url.parse(url)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {exc}") from None
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"{name} must point at PostgreSQL: it is the only database.")
    # Persistent connections: ~6x the throughput of connecting per request on our machines.
    database["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60, minimum=0)
    database["CONN_HEALTH_CHECKS"] = True
    # Behind pgbouncer in transaction mode a connection is the server's only for one transaction,
    # so the server-side cursors `.iterator()` opens cannot be used (docs/scaling.md).
    database["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("PGBOUNCER_TRANSACTION_MODE", False)
    return database


_database = _postgresql("DATABASE_URL", _database_url)
DATABASES = {"default": _database}
# A streaming replica of DATABASE_URL, read only inside config.db_router.replica_reads(): the
# auditors' access-log searches and exports, PDF chronologies and statutory returns. Unset: they
# read the primary. Tests point it at the test database (TEST MIRROR).
if _replica_url := env_str("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = _postgresql("DATABASE_REPLICA_URL", _replica_url) | {"TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
# The owner of the tables, for `migrate` only (config/dbroles.py); the application itself connects as
# DATABASE_URL's role, which then holds INSERT and SELECT only on history. Unset: one role does both.
DATABASE_OWNER = None
if _owner_url := env_str("DATABASE_OWNER_URL"):
    try:
        DATABASE_OWNER = dj_database_url.parse(_owner_url)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_OWNER_URL is not a valid database URL: {exc}") from None
    if DATABASE_OWNER["NAME"] != _database["NAME"]:
        raise ImproperlyConfigured("DATABASE_OWNER_URL must name the same database as DATABASE_URL.")
    if DATABASE_OWNER["USER"] == _database["USER"]:
        raise ImproperlyConfigured(
            "DATABASE_OWNER_URL's role must differ from DATABASE_URL's: the application must not "
            "own its tables."
        )
# Where pg_dump and pg_restore are, for `manage.py backup` / `backup_drill` (config/backup.py).
PG_BIN_DIR = env_str("PG_BIN_DIR", "")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, Celery and the cache ------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix://.")
CELERY_DATA_DIR = Path(env_str("CELERY_DATA_DIR", str(VAR_DIR / "celery")))

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "continuum",
        }
    }
else:
    # Without Redis (a fresh machine): kombu's filesystem transport, files under var/.
    CELERY_BROKER_URL = "filesystem://"
    _queue_dir = CELERY_DATA_DIR / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(CELERY_DATA_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{CELERY_DATA_DIR / 'results'}"
    for _folder in ("queue", "control", "results"):
        (CELERY_DATA_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_TIMEZONE = "Europe/London"
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Work is split by queue, so that a long export or a slow mail server never holds up the sweeps
# that breach clocks: "celery" (the default: the heartbeat /healthz looks for), "sweeps" (periodic
# checks), "exports" (PDF chronologies, statutory returns), "mail". A worker started without -Q
# consumes them all; a deployment may run one worker per queue (docker-compose.yml).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue(name) for name in ("celery", "sweeps", "exports", "mail")]
CELERY_TASK_ROUTES = {
    "config.tasks.heartbeat": {"queue": "celery"},
    "config.tasks.history_heads_log": {"queue": "sweeps"},
    "escalation.tasks.clocks_sweep": {"queue": "sweeps"},
    "stepdown.tasks.consent_checks": {"queue": "sweeps"},
    "audit.tasks.access_log_partitions_maintain": {"queue": "sweeps"},
    "audit.tasks.chronology_export_build": {"queue": "exports"},
    "returns.tasks.return_build": {"queue": "exports"},
    "escalation.tasks.notifications_send": {"queue": "mail"},
    "audit.tasks.break_glass_report_send": {"queue": "mail"},
}
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "config.tasks.heartbeat", "schedule": 60.0},
    "history-heads-log": {"task": "config.tasks.history_heads_log", "schedule": crontab(minute=0, hour=6)},
    "clocks-sweep": {"task": "escalation.tasks.clocks_sweep", "schedule": 60.0},
    "stepdown-consent-checks": {"task": "stepdown.tasks.consent_checks", "schedule": 900.0},
    "notifications-send": {"task": "escalation.tasks.notifications_send", "schedule": 60.0},
    "access-log-partitions": {
        "task": "audit.tasks.access_log_partitions_maintain",
        "schedule": crontab(minute=30, hour=2),
    },
    "break-glass-weekly-report": {
        "task": "audit.tasks.break_glass_report_send",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
}

# --- The access log ---------------------------------------------------------------------------
# Kept by month (partitions, audit.services.access_log_partitions_maintain). With a number of
# months set, each night's run drops every whole month older than that (so between N and N+1
# months are kept); 0 keeps every row for ever. Set it from the council's retention schedule.
ACCESS_LOG_RETENTION_MONTHS = env_int("ACCESS_LOG_RETENTION_MONTHS", 0, minimum=0)

# --- The managers' dashboards ----------------------------------------------------------------
# Figures are counted once per set of teams, period and links and kept this many seconds (the page
# says when they were counted); 0 counts them on every request.
DASHBOARD_CACHE_SECONDS = env_int("DASHBOARD_CACHE_SECONDS", 300, minimum=0)

# --- Accounts and access --------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.lockout.LockoutBackend",  # first: a locked username or address is refused unchecked
    "accounts.backends.AccountBackend",  # Django's ModelBackend, reading permissions in one query
    "accounts.oidc.CouncilAccountBackend",  # single sign-on, when OIDC_RP_CLIENT_ID is set
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous access to anything
GUARDIAN_RAISE_403 = False
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lock-out (django-axes, docs/security.md): AXES_FAILURE_LIMIT failures for one username, or
# AXES_IP_FAILURE_LIMIT from one address (a council office shares one), within the cool-off
# refuse that username or address for AXES_COOLOFF_MINUTES. Unlock: the admin's "Access attempts",
# or `manage.py axes_reset_username NAME`.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_IP_FAILURE_LIMIT = env_int("AXES_IP_FAILURE_LIMIT", 20, minimum=1)
AXES_COOLOFF_MINUTES = env_int("AXES_COOLOFF_MINUTES", 30, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # the order accounts.lockout.LockoutHandler reads
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
AXES_WHITELIST_CALLABLE = "accounts.lockout.is_not_a_password_attempt"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = False  # a success would also wipe the address's count: an attacker's own account
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the pause is AXES_COOLOFF_MINUTES, not longer
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are not kept (user, address, browser) by axes
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "user_agent", "code", "state"]  # masked in logs
# How many proxies in front of Continuum add to X-Forwarded-For (0: count the connecting address).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

# The second factor for password sign-ins (django-otp: an authenticator app and recovery codes).
# Single sign-on's provider asks for its own, so its sign-ins are not asked again.
REQUIRE_TWO_FACTOR = env_bool("REQUIRE_TWO_FACTOR", True)
OTP_TOTP_ISSUER = f"Continuum ({LOCAL_AUTHORITY_NAME})"

# Single sign-on with the council's OpenID Connect provider (accounts/oidc.py): on when
# OIDC_RP_CLIENT_ID is set, and then the provider's endpoints and the client secret must be too.
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID", "")
_oidc_required = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET", "", required=_oidc_required)
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT", "", required=_oidc_required)
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT", "", required=_oidc_required)
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT", "", required=_oidc_required)
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT", "", required=_oidc_required)
OIDC_RP_SIGN_ALGO = env_choice("OIDC_RP_SIGN_ALGO", "RS256", {"RS256", "RS384", "RS512", "ES256", "ES384"})
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
OIDC_USE_PKCE = env_bool("OIDC_USE_PKCE", True)
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10, minimum=1)
# Make an account (with no role) for a provider's user Continuum does not know? Off: staff accounts
# are made by an administrator, and matched by email address.
OIDC_CREATE_USERS = env_bool("OIDC_CREATE_USERS", False)
OIDC_CREATE_USER = OIDC_CREATE_USERS  # mozilla-django-oidc's name for it
OIDC_AUTHENTICATE_CLASS = "accounts.oidc.AuthenticateView"
OIDC_CALLBACK_CLASS = "accounts.oidc.CallbackView"

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a request without credentials is answered 401 with WWW-Authenticate: Token.
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.ObjectJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
# API tokens (docs/security.md): `Authorization: Token continuum_...`, made on /accounts/tokens/ or
# by POST /api/v1/tokens/ from a signed-in session. Each lasts API_TOKEN_HOURS and no longer
# (never renewed by use); one that ends with its session's sign-out also ends no later than the session.
API_TOKEN_HOURS = env_int("API_TOKEN_HOURS", 8, minimum=1)
API_TOKENS_PER_USER = env_int("API_TOKENS_PER_USER", 10, minimum=1)
KNOX_TOKEN_MODEL = "knox.AuthToken"  # noqa: S105 (a model, named for migrations as swappable models are)
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_HOURS),
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": API_TOKENS_PER_USER,
    "TOKEN_PREFIX": "continuum_",  # a key found in a log or a paste says what it is
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Continuum API",
    "DESCRIPTION": "Case management for children's social care: people, families, cases, chronology.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],  # the schema and docs: signed in
    "SWAGGER_UI_DIST": "SIDECAR",
    # Operation paths as plain text, not links inside the operation's button (axe: nested-interactive);
    # examples without colours too faint to read (axe: color-contrast). templates/api_docs.html.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "syntaxHighlight": False},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ClosureReasonEnum": "cases.choices.ClosureReason",
        "PathwayEnum": "cases.choices.Pathway",
        "OpeningPathwayEnum": "cases.choices.OPENING_PATHWAYS",
        "PersonKindEnum": "cases.choices.PersonKind",
        "ChronologyKindEnum": "cases.choices.PRACTITIONER_CHRONOLOGY_KINDS",
        "PlanKindEnum": "pathways.choices.PlanKind",
        "ConversationKindEnum": "assessments.choices.ConversationKind",
        "DecisionOutcomeEnum": "pathways.choices.Outcome",
        "S47OutcomeEnum": "pathways.codes.S47Outcome",
        "RestrictionCategoryEnum": "cases.choices.RestrictionCategory",
        "FeedbackAnswerEnum": "cases.choices.FeedbackAnswer",
        "AbuseCategoryEnum": "pathways.codes.AbuseCategory",
        "DisabilityEnum": "cases.choices.Disability",
        "UpnUnknownEnum": "cases.choices.UpnUnknown",
        "SubjectRoleEnum": "referrals.choices.SubjectRole",
        "ContactStateEnum": "referrals.choices.ContactState",
        "ContactChannelEnum": "referrals.choices.Channel",
        "TriageOutcomeEnum": "referrals.choices.TriageOutcome",
        "FeedbackMethodEnum": "referrals.choices.FeedbackMethod",
        "DisagreementStateEnum": "disagreements.choices.DisagreementState",
        "RecordTypeEnum": "cases.choices.RecordType",
        "RestrictableRecordEnum": "cases.choices.RESTRICTABLE_RECORDS",
        "OpenableRecordEnum": "cases.choices.OPENABLE_RECORDS",
        "StepDownStateEnum": "stepdown.choices.StepDownState",
        "StepDownRouteEnum": "stepdown.choices.Route",
        "ReviewOutcomeEnum": "stepdown.choices.ReviewOutcome",
        "DriftReasonEnum": "stepdown.choices.DriftReason",
        "FgcStateEnum": "fgc.choices.FgcState",
        "ScaledByEnum": "assessments.choices.ScaledBy",
        "GatheredByEnum": "assessments.choices.GatheredBy",
        "CaseStepDownRouteEnum": "stepdown.choices.CASE_ROUTE_CHOICES",
        "ConsentMethodEnum": "stepdown.choices.ConsentMethod",
        "HubActionEnum": "stepdown.choices.HubAction",
        "ClockKindEnum": "escalation.choices.ClockKind",
        "ClockStateEnum": "escalation.choices.ClockState",
    },
}

# --- Security -------------------------------------------------------------------------------
_secure = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _secure)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", _secure)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 9 * 60 * 60, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if _secure else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "continuum@localhost")
# Where people reach this site, for links in emails.
SITE_URL = env_str("SITE_URL", "http://localhost:8000")

# --- Internationalisation, static files -----------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from static/ as well as from STATIC_ROOT, so a missed collectstatic is no outage.
WHITENOISE_USE_FINDERS = True

# --- Logging: events and ids only, never personal data --------------------------------------
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
