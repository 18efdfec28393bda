"""Shared fixtures. Factories live per app in tests/<app>/factories.py."""

import os
import threading
import weakref

import pytest
from django.db import connection
from django.db.backends.signals import connection_created

from dealers.choices import Role
from tests.dealers.factories import DealerFactory, RegionFactory, make_user


def pytest_collection_modifyitems(config, items):
    """`postgres` tests need PostgreSQL; `services` tests need the real services that .ci/run starts."""
    services = os.environ.get("AFTERSALES_SERVICES") == "1"
    for item in items:
        if "services" in item.keywords and not services:
            item.add_marker(pytest.mark.skip(reason="needs the real services (run by .ci/run: AFTERSALES_SERVICES=1)"))


@pytest.fixture(scope="session", autouse=True)
def _close_every_connection_before_the_test_database_goes(django_db_setup, django_db_blocker):
    """Close every connection this thread opened, in any context, before the test database is dropped.

    Django keeps a thread's connections per context (asgiref's Local). Once the browser tests had started
    Playwright's sync API, the main thread held a second default connection (seen from the browser tests
    until the plain tests at the end); the teardown closes only the one of its own context, so the other
    stayed open and PostgreSQL refused to drop the database ("being accessed by other users").
    """
    opened: weakref.WeakSet = weakref.WeakSet()

    def remember(sender, connection, **kwargs):
        opened.add(connection)

    connection_created.connect(remember, weak=False)
    yield
    connection_created.disconnect(remember)
    with django_db_blocker.unblock():
        for wrapper in list(opened):
            # the helpers and the live server's threads close their own; only this thread's are left
            if wrapper._thread_ident == threading.get_ident():
                wrapper.close()


@pytest.fixture
def on_postgres(db) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("enforced/measured on PostgreSQL only (the second pass of .ci/run)")


@pytest.fixture
def region(db):
    return RegionFactory()


@pytest.fixture
def dealer(region):
    return DealerFactory(region=region)


@pytest.fixture
def other_dealer(region):
    return DealerFactory(region=region)


@pytest.fixture
def regional_manager(region):
    return make_user(Role.REGIONAL_MANAGER, region=region, username="manager")


@pytest.fixture
def superuser(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", "root@example.com", "pass-word-123")


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real Celery worker process on Redis, pointed at this test's PostgreSQL database.

    Only in the services run of .ci/run (REDIS_URL set, PostgreSQL): tasks queued while the fixture is
    active go through the broker to the worker, which sees committed rows only (hence transactional_db).
    """
    import subprocess
    import sys
    import time

    from aftersales.celery import app as celery_app

    if not os.environ.get("REDIS_URL") or connection.vendor != "postgresql":
        pytest.skip("needs Redis and PostgreSQL (the services run of .ci/run)")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "aftersales.settings.test",
        "AFTERSALES_WORKER": "1",
    }
    # A queue of our own, so parallel test processes (pytest-xdist) never run each other's tasks.
    queue = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
    hostname = f"{queue}@localhost"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "aftersales", "worker", "--pool=solo", "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", queue, "--hostname", hostname],
        env=env,
    )
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(destination=[hostname], timeout=1.0):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the Celery worker did not come up")
        yield worker
    finally:
        celery_app.conf.task_always_eager = True
        celery_app.conf.task_default_queue = previous_queue
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: LocaleMiddleware activates a request's language on the
    thread and never resets it, so a zh-hans request would otherwise leak into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
