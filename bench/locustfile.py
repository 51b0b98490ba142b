"""Load for the county benchmark (issue 17): people signing in as the demo authority's roles and
doing their day's work, in the proportions of a front door and a district team (bench/pages.py).

Run by `python -m bench.county`, which seeds the county, starts gunicorn, the Celery worker and beat,
writes each login's targets (BENCH_TARGETS, a JSON file) and reads Locust's CSV statistics back. By
hand, against a running service:

    BENCH_TARGETS=var/bench/targets-0.01.json locust -f bench/locustfile.py --host http://127.0.0.1:8000

Each simulated person waits 1-5 s between requests, as people reading pages do; BENCH_WAIT=0 takes
the waits away (the saturation run). Requests are named after their page, so the statistics are
per page whatever record each request opened.
"""

import itertools
import json
import os
import random
import re

from locust import HttpUser, between, constant, task

from bench.pages import HEADCOUNT, LOGINS, PAGES, WORK

PASSWORD = os.environ.get("DEMO_PASSWORD", "continuum-demo")
TARGETS: dict[str, dict[str, list]] = json.loads(open(os.environ["BENCH_TARGETS"]).read())  # noqa: SIM115
WAIT = constant(0) if os.environ.get("BENCH_WAIT") == "0" else between(1, 5)
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Worker(HttpUser):
    """One person at work: signs in once as one of the role's logins, then does the role's work."""

    abstract = True
    role = ""
    wait_time = WAIT
    _turn = itertools.count()

    def on_start(self) -> None:
        logins = [login for login in LOGINS[self.role] if login in TARGETS]
        self.login = logins[next(self._turn) % len(logins)]
        self.targets = TARGETS[self.login]
        self.rng = random.Random()
        page = self.client.get("/accounts/sign-in/", name="sign in")
        token = CSRF_INPUT.search(page.text)
        with self.client.post(
            "/accounts/sign-in/",
            data={
                "username": self.login,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            name="sign in",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 302 or "sessionid" not in self.client.cookies:
                response.failure(f"{self.login} could not sign in ({response.status_code})")

    def open(self, name: str) -> None:
        method, path, body = PAGES[name](self.targets, self.rng)
        headers = {"X-CSRFToken": self.client.cookies.get("csrftoken", "")} if method != "GET" else {}
        with self.client.request(
            method, path, json=body, headers=headers, name=name, catch_response=True
        ) as response:
            if not response.status_code:  # no answer at all: the connection failed
                response.failure(f"{name}: {response.error or 'no response'}")
            elif response.status_code >= 400:
                response.failure(f"{name}: {response.status_code}")
            elif "/accounts/sign-in/" in (response.url or ""):
                response.failure(f"{name}: sent to sign in")


def _tasks(role: str) -> dict:
    """The role's pages as Locust tasks, weighted by how often the role opens each."""
    return {task(lambda self, name=name: self.open(name)): weight for name, weight in WORK[role].items()}


class Practitioner(Worker):
    role = "practitioner"
    weight = HEADCOUNT[role]
    tasks = _tasks(role)


class FrontDoor(Worker):
    role = "front door"
    weight = HEADCOUNT[role]
    tasks = _tasks(role)


class Manager(Worker):
    role = "manager"
    weight = HEADCOUNT[role]
    tasks = _tasks(role)


class Auditor(Worker):
    role = "auditor"
    weight = HEADCOUNT[role]
    tasks = _tasks(role)
