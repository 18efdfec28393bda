"""Test settings: fast hashing, in-memory mail, eager tasks unless the services run asks for real ones."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-key-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
# Tests run tasks in-process; the `celery_worker_process` fixture switches to a real worker on Redis.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
if env.bool("AFTERSALES_WORKER", default=False):
    # The worker started by the `celery_worker_process` fixture runs tasks for real on Redis.
    CELERY_TASK_ALWAYS_EAGER = False
WHITENOISE_AUTOREFRESH = True  # serve from the finders: tests never run collectstatic
# Tests assert English wording unless they ask for zh-hans (Accept-Language / cookie); the product's
# default stays zh-hans.
LANGUAGE_CODE = "en"
