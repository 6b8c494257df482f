"""`hotline connect`: the hotline's number pointed at its webhooks through Twilio's REST API, read back, and what
stands between it and families said in words, run as staff run it (the command, in its own process) against the
local REST stand-in (tests.twilio_api), which serves the lists and records as twilio-oai describes them."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from base64 import b64encode

import pytest

from tests.conftest import TOKEN
from tests.twilio_client import ACCOUNT, HOTLINE
from tests.twilio_oai import kept

URL = "https://hotline.example.org"
TOLL_FREE = "+18885550100"


def _connect(api, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "HOTLINE_PUBLIC_URL")}
    environ.update({"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_PHONE_NUMBER": HOTLINE,
                    "HOTLINE_TWILIO_API_URL": api.url, **env})
    result = subprocess.run([sys.executable, "-m", "hotline.cli", "connect", *args], capture_output=True, text=True,
                            env=environ, timeout=120)
    shown = result.stdout + result.stderr
    assert TOKEN not in shown and environ["TWILIO_AUTH_TOKEN"] not in shown and "Traceback" not in shown
    return result


def _lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line.strip() for line in result.stdout.splitlines()]


@pytest.fixture
def number(twilio_api) -> str:
    """The hotline's number in the account, its webhooks pointing somewhere else."""
    return twilio_api.phone_number(HOTLINE, sms_url="https://demo.twilio.com/welcome/sms/reply", voice_url="")


def test_the_webhooks_are_set_and_read_back(twilio_api, number):
    other = twilio_api.phone_number("+18605550999", sms_url="https://elsewhere.example.org/sms")   # not the hotline's
    result = _connect(twilio_api, "--url", URL + "/")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = _lines(result)
    assert lines[lines.index(HOTLINE) + 1:lines.index(HOTLINE) + 3] == [
        f"ok: messages: {URL}/sms (POST), set and read back", f"ok: calls: {URL}/voice (POST), set and read back"]
    record = twilio_api.phone_numbers[number]
    assert (record["sms_url"], record["sms_method"], record["voice_url"], record["voice_method"]) == (
        f"{URL}/sms", "POST", f"{URL}/voice", "POST")
    asked = [(method, what) for method, what, _ in twilio_api.requests if what == number]
    assert asked == [("POST", number), ("GET", number)]                      # set, then read back
    assert twilio_api.phone_numbers[other]["sms_url"] == "https://elsewhere.example.org/sms"   # left alone
    assert any("in no Messaging Service" in line and "30034" in line and "`hotline registration`" in line
               for line in lines)
    assert any(line.startswith("check: Advanced Opt-Out is a Messaging Service setting") for line in lines)
    assert "ok: voice geo permissions: calls only to the United States and Canada" in lines


def test_a_messaging_service_that_owns_incoming_texts_is_named_with_what_to_set(twilio_api, number):
    for n in range(60):                                # more than one page of services (v1 meta.next_page_url)
        twilio_api.service(f"Other service {n}", twilio_api.phone_number(f"+1203555{n:04d}"))
    service = twilio_api.service("District texts", number, inbound_request_url="https://user:pw@crm.example.org/in")
    result = _connect(twilio_api, "--url", URL)
    assert result.returncode == 0                      # the number's webhooks are set; the service is a to do
    told = next(line for line in _lines(result) if "District texts" in line and line.startswith("to do:"))
    assert f"Messaging Service 'District texts' ({service}) holds this number" in told
    assert "https://crm.example.org/in" in told and "pw" not in told             # never a password
    assert "'Defer to sender's webhook'" in told and f"'Send a webhook' to {URL}/sms with HTTP POST" in told
    services = [query for method, what, query in twilio_api.requests if what == "/v1/Services"]
    assert len(services) == 2 and "PageToken" in services[1]


@pytest.mark.parametrize("defers, inbound", [(True, None), (False, URL + "/sms")])
def test_a_service_that_passes_texts_to_the_hotline_is_ok(twilio_api, number, defers, inbound):
    twilio_api.service("District texts", number, inbound_request_url=inbound, use_inbound_webhook_on_number=defers)
    lines = _lines(_connect(twilio_api, "--url", URL))
    assert any(line.startswith("ok: Messaging Service 'District texts'") for line in lines)
    assert not any("Integration > Incoming Messages" in line for line in lines)


@pytest.mark.parametrize("status, told", [
    ("VERIFIED", "ok: registration: A2P 10DLC campaign {sid} is VERIFIED: carriers accept this number's texts"),
    ("IN_PROGRESS", "to do: registration: A2P 10DLC campaign {sid} is IN_PROGRESS, not yet VERIFIED: until it is, "
                    "carriers block the texts (30034)"),
    ("FAILED", "to do: registration: A2P 10DLC campaign {sid} FAILED (error 30897: The campaign submission has been "
               "reviewed and it was rejected due to Disallowed Content.)"),
    (None, "to do: registration: Messaging Service 'District texts' has no A2P 10DLC campaign"),
])
def test_the_campaign_of_the_service_is_reported(twilio_api, number, status, told):
    service = twilio_api.service("District texts", number, use_inbound_webhook_on_number=True)
    errors = [{"error_code": 30897, "fields": ["MESSAGE_FLOW"], "url": "https://www.twilio.com/docs/api/errors/30897",
               "description": "The campaign submission has been reviewed and it was rejected due to Disallowed "
                              "Content."}] if status == "FAILED" else None   # twilio-oai's readFailed example
    sid = twilio_api.campaign(service, status, errors) if status else ""
    result = _connect(twilio_api, "--url", URL)
    assert result.returncode == 0
    assert any(line.startswith(told.format(sid=sid)) for line in _lines(result)), result.stdout
    assert "check: Advanced Opt-Out cannot be read through Twilio's API" in result.stdout
    assert "Messaging > Services > District texts > Opt-Out Management" in result.stdout


@pytest.mark.parametrize("status, told", [
    ("TWILIO_APPROVED", "ok: registration: Toll-Free Verification {sid} is TWILIO_APPROVED"),
    ("IN_REVIEW", "to do: registration: Toll-Free Verification {sid} is IN_REVIEW, not yet TWILIO_APPROVED"),
    (None, "to do: registration: this toll-free number has no Toll-Free Verification"),
])
def test_a_toll_free_number_is_asked_about_its_verification(twilio_api, status, told):
    sid = twilio_api.phone_number(TOLL_FREE, type="tollfree")
    twilio_api.phone_number(HOTLINE)
    other = twilio_api.verification(twilio_api.phone_number("+18775550111"), "TWILIO_APPROVED")   # another number's
    verification = twilio_api.verification(sid, status) if status else ""
    result = _connect(twilio_api, "--url", URL, HOTLINE_PHONE_NUMBER=TOLL_FREE)
    assert result.returncode == 0
    lines = _lines(result)
    assert any(line.startswith(told.format(sid=verification)) for line in lines), result.stdout
    assert other not in result.stdout and "A2P 10DLC" not in result.stdout
    asked = [query for method, what, query in twilio_api.requests if what == "/v1/Tollfree/Verifications"]
    assert asked and all(query["TollfreePhoneNumberSid"] == sid for query in asked)


def test_countries_beyond_the_us_and_canada_are_warned_about(twilio_api, number):
    twilio_api.permit("MX")
    twilio_api.permit("CU")
    lines = _lines(_connect(twilio_api, "--url", URL))
    warned = [line for line in lines if line.startswith("warning: voice geo permissions")]
    assert len(warned) == 2 and "Mexico (MX)" in warned[0] and "Cuba (CU)" in warned[1]
    assert not any("United States/Canada" in line for line in warned)


def test_calls_to_the_us_turned_off_are_warned_about(twilio_api, number):
    twilio_api.permit("US", low_risk=False)
    lines = _lines(_connect(twilio_api, "--url", URL))
    assert any(line.startswith("warning: voice geo permissions: calls to the United States and Canada are not "
                               "allowed") for line in lines)


def test_wrong_credentials_are_said_in_words(twilio_api, number):
    result = _connect(twilio_api, "--url", URL, TWILIO_AUTH_TOKEN="not-the-token-9f8e7d")
    assert result.returncode == 1
    assert "problem: Twilio refused the account's credentials (error 20003): check TWILIO_ACCOUNT_SID and " \
           "TWILIO_AUTH_TOKEN" in result.stdout
    assert "not-the-token-9f8e7d" not in result.stdout + result.stderr
    assert twilio_api.phone_numbers[number]["voice_url"] == ""


def test_a_number_not_in_the_account_is_said_in_words(twilio_api, number):
    result = _connect(twilio_api, "--url", URL, HOTLINE_PHONE_NUMBER=f"{HOTLINE},+18605550123")
    assert result.returncode == 1
    lines = _lines(result)
    missing = lines[lines.index("+18605550123") + 1]
    assert missing.startswith("problem: this number is not in the Twilio account of TWILIO_ACCOUNT_SID")
    assert f"ok: messages: {URL}/sms (POST), set and read back" in lines              # the other one is set


def test_twilio_out_of_reach_is_said_in_words(twilio_api, number):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = _connect(twilio_api, "--url", URL, HOTLINE_TWILIO_API_URL=f"http://127.0.0.1:{port}")
    assert result.returncode == 1
    assert "Twilio's API could not be reached (ConnectionError): check the network and HOTLINE_TWILIO_API_URL" \
        in result.stdout


def test_a_webhook_that_does_not_read_back_is_a_problem(twilio_api, number):
    twilio_api.unchanging.add(number)
    result = _connect(twilio_api, "--url", URL)
    assert result.returncode == 1
    assert f"problem: messages: set to {URL}/sms (POST) but read back as https://demo.twilio.com/welcome/sms/reply " \
           "(POST): set it in the Console" in result.stdout
    assert f"problem: calls: set to {URL}/voice (POST) but read back as nothing (POST)" in result.stdout
    assert "the webhooks are not all set" in result.stdout


def test_services_that_cannot_be_listed_are_a_problem_not_a_missing_service(twilio_api, number):
    twilio_api.broken.add("/v1/Services")
    result = _connect(twilio_api, "--url", URL)
    assert result.returncode == 1
    assert "problem: listing Messaging Services: Twilio error 20500 (HTTP 500)" in result.stdout
    assert f"ok: messages: {URL}/sms (POST), set and read back" in result.stdout
    assert "no Messaging Service" not in result.stdout and "registration:" not in result.stdout


def test_a_twiml_app_that_overrides_the_webhooks_is_a_problem(twilio_api):
    twilio_api.phone_number(HOTLINE, sms_application_sid="AP" + "1" * 32)
    result = _connect(twilio_api, "--url", URL)
    assert result.returncode == 1
    assert f"problem: messages go to a TwiML App (AP{'1' * 32}), which Twilio uses instead of the URL" in result.stdout


@pytest.mark.parametrize("url, env, told", [
    ("http://hotline.example.org", {}, "--url must be the hotline's public address starting with https://"),
    ("ftp://hotline.example.org", {}, "starting with https://"),
    ("https://hotline.example.org?x=1", {}, "no ?query or #fragment"),
    ("https://me:secret@hotline.example.org", {}, "must not hold a user name or password"),
    ("https://other.example.org", {"HOTLINE_PUBLIC_URL": URL},
     f"--url https://other.example.org is not HOTLINE_PUBLIC_URL ({URL}): the hotline checks Twilio's signature"),
])
def test_a_url_twilio_cannot_use_is_refused_before_anything_changes(twilio_api, number, url, env, told):
    result = _connect(twilio_api, "--url", url, **env)
    assert result.returncode == 1 and told in result.stderr
    assert twilio_api.requests == [] and "secret" not in result.stderr


@pytest.mark.parametrize("args, env, wanted", [
    (["--url", "http://127.0.0.1:5000"], {}, "http://127.0.0.1:5000"),       # a local test
    ([], {"HOTLINE_PUBLIC_URL": URL + "/"}, URL),                              # the public URL by default
    (["--url", "HTTPS://Hotline.Example.org/hotline/"], {"HOTLINE_PUBLIC_URL": "https://hotline.example.org/hotline"},
     "https://hotline.example.org/hotline"),
])
def test_accepted_urls(twilio_api, number, args, env, wanted):
    result = _connect(twilio_api, *args, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert twilio_api.phone_numbers[number]["sms_url"] == wanted + "/sms"
    assert ("note: HOTLINE_PUBLIC_URL is not set" in result.stdout) == ("HOTLINE_PUBLIC_URL" not in env)


def test_without_a_url_or_credentials_it_says_what_is_missing(twilio_api, number):
    result = _connect(twilio_api)
    assert result.returncode == 1 and "--url https://YOUR-HOST (or set HOTLINE_PUBLIC_URL)" in result.stderr
    result = _connect(twilio_api, "--url", URL, TWILIO_ACCOUNT_SID="")
    assert result.returncode == 1 and "TWILIO_ACCOUNT_SID is not set" in result.stderr
    assert twilio_api.requests == []


def _get(api, path: str) -> dict:
    request = urllib.request.Request(api.url + path, headers={
        "Authorization": "Basic " + b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def test_the_stand_in_serves_the_lists_as_twilio_oai_describes_them(twilio_api, number):
    service = twilio_api.service("District texts", number)
    twilio_api.campaign(service, "VERIFIED")
    twilio_api.verification(number, "IN_REVIEW")
    served = {
        "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json":
            f"/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers.json?PhoneNumber=%2B1860",
        "/v1/Services": "/v1/Services", "/v1/Services/{ServiceSid}/PhoneNumbers": f"/v1/Services/{service}/PhoneNumbers",
        "/v1/Services/{MessagingServiceSid}/Compliance/Usa2p": f"/v1/Services/{service}/Compliance/Usa2p",
        "/v1/Tollfree/Verifications": "/v1/Tollfree/Verifications", "/v1/DialingPermissions/Countries":
            "/v1/DialingPermissions/Countries?IsoCode=US",
    }
    for path, described in kept()["lists"].items():
        body = _get(twilio_api, served[path])
        assert sorted(body) == sorted(described["properties"]), path
        for key, properties in described["properties"].items():
            if isinstance(body[key], list):
                assert body[key], path                                           # something to compare
                for record in body[key]:
                    assert set(record) <= set(properties), (path, set(record) - set(properties))
            elif isinstance(body[key], dict):
                assert sorted(body[key]) == properties, path                     # v1's meta, whole


def test_an_unknown_service_is_twilio_s_20404(twilio_api):
    with pytest.raises(urllib.error.HTTPError) as raised:
        _get(twilio_api, f"/v1/Services/MG{'0' * 32}/PhoneNumbers")
    assert raised.value.code == 404 and json.load(raised.value)["code"] == 20404
