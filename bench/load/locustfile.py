"""The mixed load on the local cluster: patients, trial searches and partner API calls.

Run through ``bench/load/run`` (it starts the cluster, samples memory and writes the
report); by hand::

    locust -f bench/load/locustfile.py --headless -u 40 -r 10 -t 5m \\
        --host http://127.0.0.1:8001 --csv artifacts/load/locust

Users spread over the web processes listed in ``LOAD_HOSTS`` (comma separated base
URLs), as a load balancer would; ``PARTNER_API_KEY`` is the key partner users send.
"""

from __future__ import annotations

import os
import random
import re

from locust import HttpUser, between, task

HOSTS = [h for h in os.environ.get("LOAD_HOSTS", "").split(",") if h]
PARTNER_KEY = os.environ.get("PARTNER_API_KEY", "")
DEMO_TRIALS = ["NCT00548405", "NCT00530348"]
PLACES = [
    "94301",
    "10001",
    "60611",
    "Boston, MA",
    "Seattle, WA",
    "London, United Kingdom",
    "Paris, France",
    "Toronto, Canada",
    "Munich, Germany",
    "Houston, TX",
]
CONDITIONS = ["multiple sclerosis", "relapsing multiple sclerosis"]
#: Answers of a CARE-MS II candidate who meets every criterion (the patient flow).
ANSWERS = {
    "age": ["34"],
    "ms_diagnosis": ["yes"],
    "ms_course": ["relapsing_remitting"],
    "years_since_first_symptoms": ["4"],
    "edss": ["2.5"],
    "relapses_last_12_months": ["1"],
    "relapses_last_24_months": ["2"],
    "relapse_on_interferon_or_glatiramer": ["yes"],
    "mri_lesions_confirmed": ["yes"],
    "treatments_ever": ["interferon_beta"],
    "treatments_last_6_months": ["interferon_beta"],
    "investigational_drug_ever": ["no"],
}
QUESTION = re.compile(r'name="question" value="([a-z0-9_]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
MAX_QUESTIONS = 30


class ClusterUser(HttpUser):
    abstract = True

    def on_start(self):
        if HOSTS:
            self.host = random.choice(HOSTS)
            self.client.base_url = self.host


class Patient(ClusterUser):
    """Home page, a search near home, a trial page, then the whole questionnaire."""

    weight = 3
    wait_time = between(1, 3)

    @task
    def find_and_check(self):
        self.client.get("/", name="page: home")
        self.client.get("/trials/", params={"location": random.choice(PLACES)}, name="page: search")
        trial = random.choice(DEMO_TRIALS)
        self.client.get(f"/trials/{trial}/", name="page: trial")
        url = f"/trials/{trial}/check/"
        page = self.client.get(url, name="page: question")
        for _ in range(MAX_QUESTIONS):
            asked = QUESTION.search(page.text or "")
            token = CSRF.search(page.text or "")
            if not asked or not token:
                break
            key = asked.group(1)
            data = {"csrfmiddlewaretoken": token.group(1), "question": key}
            data[key] = ANSWERS.get(key, ["unsure"])
            page = self.client.post(url, data=data, name="page: answer")
        self.client.get(f"/trials/{trial}/check/result/", name="page: result")
        self.client.post(
            f"/trials/{trial}/check/restart/",
            data={"csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")},
            name="page: restart",
        )


class Searcher(ClusterUser):
    """Trial searches by place and condition, across the synthetic registry."""

    weight = 3
    wait_time = between(0.5, 2)

    @task(3)
    def search_page(self):
        self.client.get("/trials/", params={"location": random.choice(PLACES)}, name="page: search")

    @task(2)
    def search_api(self):
        self.client.get(
            "/api/v1/trials/",
            params={
                "condition": random.choice(CONDITIONS),
                "postal_code": "94301",
                "country": "US",
            },
            name="api: trials near",
        )

    @task(1)
    def sites_api(self):
        self.client.get(
            f"/api/v1/trials/{random.choice(DEMO_TRIALS)}/sites/",
            params={"place": random.choice(PLACES)},
            name="api: trial sites",
        )


class Partner(ClusterUser):
    """A partner site's system: searches, trial details, eligibility checks, with a key."""

    weight = 2
    wait_time = between(0.2, 1)

    def on_start(self):
        super().on_start()
        self.client.headers["Authorization"] = f"Api-Key {PARTNER_KEY}"

    @task(3)
    def trial_list(self):
        self.client.get(
            "/api/v1/trials/", params={"page": random.randint(1, 20)}, name="api: trials page"
        )

    @task(2)
    def trial_detail(self):
        self.client.get(f"/api/v1/trials/{random.choice(DEMO_TRIALS)}/", name="api: trial")

    @task(2)
    def eligibility(self):
        trial = random.choice(DEMO_TRIALS)
        answers = {key: value[0] for key, value in ANSWERS.items()}
        for key in (
            "age",
            "years_since_first_symptoms",
            "relapses_last_12_months",
            "relapses_last_24_months",
        ):
            answers[key] = int(answers[key])
        answers["edss"] = 2.5
        answers["treatments_ever"] = answers["treatments_last_6_months"] = ["interferon_beta"]
        self.client.post(
            f"/api/v1/trials/{trial}/eligibility/",
            json={"answers": answers},
            name="api: eligibility",
        )

    @task(1)
    def health(self):
        self.client.get("/readyz", name="readyz")
