"""What Twilio's own API description (twilio/twilio-oai) says about the resources `hotline connect` and `hotline
registration` use, kept in tests/twilio_oai.json: the CreateUsAppToPerson request's schema with its descriptions (the
campaign's limits are read from those descriptions), and the properties of every list and record the REST stand-in
serves. Refresh from a checkout of twilio-oai:

    python -m tests.twilio_oai PATH-TO-twilio-oai
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

KEPT = Path(__file__).with_name("twilio_oai.json")
USA2P = "/v1/Services/{MessagingServiceSid}/Compliance/Usa2p"
LISTS = {   # spec file, path: the lists the stand-in serves
    "twilio_api_v2010.json": ["/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"],
    "twilio_messaging_v1.json": ["/v1/Services", "/v1/Services/{ServiceSid}/PhoneNumbers", USA2P,
                                 "/v1/Tollfree/Verifications"],
    "twilio_voice_v1.json": ["/v1/DialingPermissions/Countries"],
}
WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


def _schema(spec: dict, ref: dict) -> dict:
    while "$ref" in ref or "oneOf" in ref:
        ref = ref["oneOf"][0] if "oneOf" in ref else spec["components"]["schemas"][ref["$ref"].split("/")[-1]]
    return ref


def extract(repo: Path) -> dict:
    """The parts of twilio-oai these tests rely on, from a git checkout at its HEAD."""
    commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    kept: dict = {"source": "https://github.com/twilio/twilio-oai", "commit": commit, "lists": {}}
    for name, paths in LISTS.items():
        spec = json.loads(subprocess.run(["git", "-C", str(repo), "show", f"HEAD:spec/json/{name}"],
                                         capture_output=True, text=True, check=True).stdout)
        for path in paths:
            listed = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            envelope = {}
            for key, value in listed["properties"].items():
                item = value.get("items")
                envelope[key] = sorted(_schema(spec, item)["properties"]) if item else sorted(value.get("properties", {}))
            kept["lists"][path] = {"file": name, "properties": envelope,
                                   "filters": [p["name"] for p in spec["paths"][path]["get"]["parameters"]
                                               if "name" in p and p.get("in") == "query"]}
        if USA2P in paths:
            body = spec["paths"][USA2P]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
            kept["CreateUsAppToPersonRequest"] = body["schema"]
    return kept


def kept() -> dict:
    """tests/twilio_oai.json."""
    return json.loads(KEPT.read_text(encoding="utf-8"))


def limits() -> dict[str, dict[str, int]]:
    """Each parameter's limits as its description in CreateUsAppToPersonRequest states them, in words
    ("Min length: 40", "2048 character maximum", "min two and max five", "Values must be alphanumeric")."""
    found: dict[str, dict[str, int]] = {}
    for name, schema in kept()["CreateUsAppToPersonRequest"]["properties"].items():
        text, limit = schema.get("description", ""), {}
        for key, pattern in (("min", r"Min length: (\d+)|(\d+) character minimum"),
                             ("max", r"Max length: (\d+)|(\d+) character maximum"),
                             ("item_min", r"Min length for each sample: (\d+)"),
                             ("item_max", r"Max length for each sample: (\d+)"),
                             ("count_min", r"\bmin (\w+) and max \w+"), ("count_max", r"\bmin \w+ and max (\w+)")):
            match = re.search(pattern, text)
            if match:
                value = next(group for group in match.groups() if group)
                limit[key] = int(value) if value.isdigit() else WORDS[value]
        if "alphanumeric" in text:
            limit["alphanumeric"] = 1
        found[name] = limit
    return found


if __name__ == "__main__":
    KEPT.write_text(json.dumps(extract(Path(sys.argv[1])), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{KEPT}: twilio-oai at {kept()['commit']}")
