import io
import json
import logging
import multiprocessing
import os
import stat

import pytest
from components_http import Reply

from eds_toolkit.sms import (
    ConsoleGateway,
    HttpGateway,
    OutboxGateway,
    SmsDeliveryError,
    last_code_for,
    make_gateway,
    read_outbox,
)

PHONE = "+77011234567"
TEXT = "Your one-time code: 482910. Valid for 5 minutes. Never tell it to anyone."


def test_console_gateway_prints_sender_phone_and_text():
    out = io.StringIO()
    ConsoleGateway(out).send(PHONE, TEXT)
    assert out.getvalue() == f"SMS from 1414 to {PHONE}: {TEXT}\n"


def test_outbox_records_each_message_as_a_json_line(tmp_path, clock):
    path = tmp_path / "outbox.jsonl"
    gateway = OutboxGateway(path, clock=clock)
    gateway.send(PHONE, TEXT)
    gateway.send("+77051234568", "Бір реттік код: 000017.", sender="1414")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0]) == {
        "at": clock.now().isoformat(),
        "sender": "1414",
        "phone": PHONE,
        "text": TEXT,
    }
    assert read_outbox(path)[1]["text"] == "Бір реттік код: 000017."
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_last_code_for_reads_the_latest_code_to_that_phone(tmp_path):
    path = tmp_path / "outbox.jsonl"
    gateway = OutboxGateway(path)
    assert last_code_for(path, PHONE) is None
    gateway.send(PHONE, "code 111111")
    gateway.send("+77051234568", "code 222222")
    gateway.send(PHONE, "code 333333")
    assert last_code_for(path, PHONE) == "333333"
    assert last_code_for(path, "8 701 123 45 67") == "333333"
    assert last_code_for(path, "+77051234568") == "222222"
    assert last_code_for(path, "+77771234569") is None


def _send_many(path, worker):
    gateway = OutboxGateway(path)
    for n in range(100):
        gateway.send(PHONE, f"worker {worker} message {n} " + "x" * 20_000)


def test_outbox_writers_in_several_processes_never_interleave(tmp_path):
    path = tmp_path / "outbox.jsonl"
    workers = [
        multiprocessing.get_context("fork").Process(target=_send_many, args=(path, w)) for w in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    messages = read_outbox(path)
    assert len(messages) == 400
    texts = {m["text"] for m in messages}
    assert texts == {f"worker {w} message {n} " + "x" * 20_000 for w in range(4) for n in range(100)}


def test_outbox_that_cannot_be_written_is_a_delivery_error(tmp_path):
    (tmp_path / "outbox.jsonl").mkdir()
    with pytest.raises(SmsDeliveryError, match="cannot be written") as failed:
        OutboxGateway(tmp_path / "outbox.jsonl").send(PHONE, TEXT)
    assert "482910" not in str(failed.value)


def test_http_gateway_posts_json_with_the_token(http_server):
    server = http_server([Reply(202, {"id": "m-1"})])
    HttpGateway(server.url + "/sms", token="t0ken").send(PHONE, TEXT)
    (request,) = server.seen
    assert (request.method, request.path) == ("POST", "/sms")
    assert request.body == {"sender": "1414", "phone": PHONE, "text": TEXT}
    assert request.headers["Authorization"] == "Bearer t0ken"
    assert request.headers["Content-Type"] == "application/json"


def test_http_gateway_retries_after_a_server_error(http_server):
    server = http_server([Reply(500), Reply(200)])
    HttpGateway(server.url, retries=2, backoff=0.01).send(PHONE, TEXT)
    assert len(server.seen) == 2


def test_http_gateway_gives_up_after_its_retries(http_server, caplog):
    server = http_server([Reply(503)])
    with (
        caplog.at_level(logging.DEBUG),
        pytest.raises(SmsDeliveryError, match="HTTP 503.*3 attempts") as failed,
    ):
        HttpGateway(server.url, retries=2, backoff=0.01).send(PHONE, TEXT)
    assert len(server.seen) == 3
    assert "482910" not in str(failed.value)
    assert "482910" not in caplog.text and PHONE not in caplog.text


def test_http_gateway_does_not_retry_a_refusal(http_server):
    server = http_server([Reply(400, {"error": "bad number"}), Reply(200)])
    with pytest.raises(SmsDeliveryError, match="refused.*HTTP 400"):
        HttpGateway(server.url, retries=2, backoff=0.01).send(PHONE, TEXT)
    assert len(server.seen) == 1


def test_http_gateway_times_out_and_retries(http_server):
    server = http_server([Reply(200, delay=1.5)])
    with pytest.raises(SmsDeliveryError, match="did not answer within 0.2 s"):
        HttpGateway(server.url, timeout=0.2, retries=1, backoff=0.01).send(PHONE, TEXT)
    assert len(server.seen) == 2


def test_http_gateway_timeout_then_success(http_server):
    server = http_server([Reply(200, delay=1.5), Reply(200)])
    HttpGateway(server.url, timeout=0.2, retries=1, backoff=0.01).send(PHONE, TEXT)
    assert len(server.seen) == 2


def test_http_gateway_unreachable_provider_is_a_delivery_error(http_server):
    server = http_server([Reply(200)])
    url = server.url
    server.close()
    with pytest.raises(SmsDeliveryError, match="cannot be reached"):
        HttpGateway(url, retries=1, backoff=0.01).send(PHONE, TEXT)


def test_make_gateway_builds_each_kind(tmp_path):
    assert isinstance(make_gateway("console", home=tmp_path), ConsoleGateway)
    outbox = make_gateway("outbox", home=tmp_path)
    assert isinstance(outbox, OutboxGateway) and outbox.path == tmp_path / "outbox.jsonl"
    http = make_gateway("http", home=tmp_path, url="https://sms.example/send", token="t")
    assert isinstance(http, HttpGateway) and http.url == "https://sms.example/send"


def test_make_gateway_refuses_unknown_kind_and_http_without_url(tmp_path):
    with pytest.raises(ValueError, match="console, outbox, http"):
        make_gateway("pigeon", home=tmp_path)
    with pytest.raises(ValueError, match="URL"):
        make_gateway("http", home=tmp_path)
    with pytest.raises(ValueError, match="http://"):
        HttpGateway("ftp://sms.example")
    assert not os.listdir(tmp_path)


def test_http_gateway_does_not_follow_redirects(http_server):
    elsewhere = http_server([Reply(200)])
    server = http_server([Reply(302, b"")])
    server.extra_headers = {"Location": elsewhere.url}
    with pytest.raises(SmsDeliveryError, match="HTTP 302"):
        HttpGateway(server.url, retries=2, backoff=0.01).send(PHONE, TEXT)
    assert len(server.seen) == 1 and elsewhere.seen == []
