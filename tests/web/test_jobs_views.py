"""The «Задания» pages: the list with state and progress, a job's page, cancel; a collector sees only their own."""
from __future__ import annotations

from sqlalchemy import func, select

from casework.extensions import db
from casework.jobs.models import JobRun
from casework.jobs.services import enqueue, execute


def test_jobs_list_show_and_cancel_of_a_queued_job(client, login, app, make_user):
    manager = login("manager")
    run = enqueue("figures.refresh", user=manager)  # queued, not started
    db.session.commit()
    html = client.get("/jobs/").get_data(as_text=True)
    assert f'/jobs/{run.id}"' in html
    assert client.get(f"/jobs/{run.id}").status_code == 200
    assert client.get(f"/jobs/{run.id}/status").get_json()["finished"] is False
    r = client.post(f"/jobs/{run.id}/cancel")
    assert r.status_code == 302
    db.session.expire_all()
    run = db.session.get(JobRun, run.id)
    assert run.state == "cancelled" and run.cancel_requested
    assert execute(run.id) == "cancelled"  # a cancelled job never starts
    assert client.get(f"/jobs/{run.id}/status").get_json()["finished"] is True


def test_a_collector_sees_only_own_jobs(client, login, make_user):
    other = make_user("manager")
    run = enqueue("figures.refresh", user=other)
    db.session.commit()
    login("collector")
    assert client.get(f"/jobs/{run.id}").status_code == 404
    assert client.post(f"/jobs/{run.id}/cancel").status_code == 404
    assert f'/jobs/{run.id}"' not in client.get("/jobs/").get_data(as_text=True)


def test_admin_refreshes_the_figures_as_a_job(client, login):
    login("admin")
    r = client.post("/jobs/refresh-figures")
    assert r.status_code == 302
    run = db.session.scalar(select(JobRun).order_by(JobRun.id.desc()))
    assert run.kind == "figures.refresh" and run.state == "done", run.error
    assert db.session.scalar(select(func.count()).select_from(JobRun)) == 1


def test_readiness_reads_the_age_of_the_oldest_queued_job_and_metrics_count_jobs_by_state(app, client, monkeypatch):
    from datetime import timedelta

    from sqlalchemy import update

    from casework.timeutil import utcnow

    old = enqueue("figures.refresh")
    enqueue("figures.refresh")
    done = enqueue("figures.refresh")
    db.session.execute(update(JobRun).where(JobRun.id == old.id).values(created_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()
    execute(done.id)
    body = client.get("/health/ready").get_json()
    assert 600 <= int(body["queue"]) < 3600 and "queue" not in body.get("failed", [])
    monkeypatch.setitem(app.config, "JOBS_MAX_QUEUE_LAG_SECONDS", 300)
    body = client.get("/health/ready").get_json()
    assert body["queue"] == "failed" and "queue" in body["failed"]
    monkeypatch.setitem(app.config, "METRICS_ENABLED", True)
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'casework_jobs{state="queued"} 2.0' in metrics and 'casework_jobs{state="done"} 1.0' in metrics



def test_an_import_job_leads_to_the_import_page_with_its_outcome(client, login, app, monkeypatch):
    """With the job running in a thread (the SQLite default), confirming shows the job's page; when it is done its
    status sends the browser to the import's page, which says what was imported."""
    import time

    from tests.web.test_imports_views import ACCOUNTS_CSV, upload

    monkeypatch.setitem(app.config, "JOBS_INLINE_THREAD", True)
    login("manager")
    preview_url = upload(client, "accounts", ACCOUNTS_CSV, "реестр.csv").headers["Location"]
    resp = client.post(preview_url)
    assert resp.status_code == 302 and "/jobs/" in resp.headers["Location"]
    job_url = resp.headers["Location"]
    assert client.get(job_url).status_code == 200
    for _ in range(200):
        status = client.get(job_url + "/status").get_json()
        if status["finished"]:
            break
        time.sleep(0.05)
    assert status["status"] == "done", status
    assert "/imports/" in status["redirect"] and "finished=1" in status["redirect"]
    html = client.get(status["redirect"]).get_data(as_text=True)
    assert "Загружено: новых 2, обновлено 0, уже было 0." in html
