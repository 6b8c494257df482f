"""The hotline's A2P 10DLC campaign, drawn from its content: what a district pastes into Twilio's Console (or posts
as a `us_app_to_person` resource) so that US carriers deliver its texts, and the keywords and confirmation texts of
each language for Advanced Opt-Out.

Every text is rendered as families receive it (hotline.render.fill, hotline.sms). The field names and limits are
those of twilio-oai's CreateUsAppToPerson request (spec/json/twilio_messaging_v1.json); tests/twilio_oai.json keeps
that request's schema and the tests check the output against its descriptions, not against the numbers below.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from babel import Locale

from hotline import carrier, sms, texting
from hotline.content.catalog import SOURCE_LANGUAGE, Catalog
from hotline.engine import MAIN, Screen
from hotline.engine_constants import TEXT_ME_DIGIT

# Every text the hotline sends answers a family's own request (a text, or a caller pressing a key for one text):
# support conversations a person starts, which is Customer Care ("all customer care messaging, including account
# management and support", Twilio's use-case list). Not PUBLIC_SERVICE_ANNOUNCEMENT (messages a sender pushes to
# raise awareness), nor MARKETING; HIGHER_EDUCATION also names school districts, but describes an institution's own
# notices to its students, which the hotline never sends.
USECASE = "CUSTOMER_CARE"

# Twilio's limits as its descriptions of the request state them (twilio-oai, CreateUsAppToPersonRequest).
LENGTHS = {"Description": (40, 4096), "MessageFlow": (40, 2048),
           "HelpMessage": (20, 320), "OptOutMessage": (20, 320), "OptInMessage": (20, 320)}
SAMPLES = (2, 5)
SAMPLE_LENGTH = (20, 1024)
KEYWORDS_LENGTH = 255                  # "Values must be alphanumeric. 255 character maximum."
ALPHANUMERIC = re.compile(r"[A-Z0-9]+")   # the Campaign Registry's letters and digits: accents and other scripts
                                          # go to Advanced Opt-Out, which takes any word
LINK = re.compile(r"https?://|www\.|\b[\w-]+\.(?:com|org|net|gov|edu|us|info|ly)(?:/|\b)", re.IGNORECASE)
CONFIRMATIONS = {"stopped": "OptOutMessage", "optin": "OptInMessage", "help": "HelpMessage"}
KEYWORD_MESSAGES = {"stop": "keyword.stop", "start": "keyword.start", "help": "keyword.help"}


@dataclass(frozen=True)
class Sample:
    """A sample message: the text, what it is, and what was added to a real reply (the name, the STOP line)."""

    text: str
    what: str
    added: tuple[str, ...] = ()


@dataclass(frozen=True)
class Campaign:
    """The campaign's fields, from the content."""

    description: str
    message_flow: str
    samples: tuple[Sample, ...]
    help_message: str
    opt_out_message: str
    opt_in_message: str
    help_keywords: tuple[str, ...]
    opt_out_keywords: tuple[str, ...]
    opt_in_keywords: tuple[str, ...]
    has_embedded_phone: bool
    has_embedded_links: bool
    usecase: str = USECASE

    def fields(self) -> dict:
        """The campaign under twilio-oai's us_app_to_person parameter names."""
        return {"Description": self.description, "MessageFlow": self.message_flow,
                "MessageSamples": [sample.text for sample in self.samples], "HelpMessage": self.help_message,
                "OptOutMessage": self.opt_out_message, "OptInMessage": self.opt_in_message,
                "HelpKeywords": list(self.help_keywords), "OptOutKeywords": list(self.opt_out_keywords),
                "OptInKeywords": list(self.opt_in_keywords), "HasEmbeddedPhone": self.has_embedded_phone,
                "HasEmbeddedLinks": self.has_embedded_links, "UsAppToPersonUsecase": self.usecase}


@dataclass(frozen=True)
class OptOutLanguage:
    """What Advanced Opt-Out needs for one language: its own keywords and its confirmation texts as sent."""

    code: str
    name: str
    keywords: dict[str, tuple[str, ...]]     # stop, start, help -> the language's words
    texts: dict[str, str]                    # stopped, optin, help -> the text as sent
    english: tuple[str, ...] = ()            # confirmations the language lacks, sent in English


def _english_name(catalog: Catalog, code: str) -> str:
    language = catalog.language(code)
    names = Locale("en").languages
    return names.get(language.locale or "") or names.get(code) or language.name


def _own_words(catalog: Catalog, code: str, msg_id: str) -> tuple[str, ...]:
    """A language's own words of a keyword message (not English's, which every language also takes)."""
    return tuple(w.strip() for w in catalog.messages.get(code, {}).get(msg_id, "").split(",") if w.strip())


def _keywords(catalog: Catalog, twilio: tuple[str, ...], msg_id: str) -> tuple[str, ...]:
    """Twilio's words, then every language's own that the Campaign Registry takes (letters and digits)."""
    found = dict.fromkeys(twilio)
    for language in catalog.languages:
        found.update(dict.fromkeys(w.upper() for w in _own_words(catalog, language.code, msg_id)
                                   if ALPHANUMERIC.fullmatch(w.upper())))
    return tuple(found)


def _sent(catalog: Catalog, msg_id: str, lang: str = SOURCE_LANGUAGE) -> str:
    return sms.notice(catalog, lang, msg_id).text


def _complete(catalog: Catalog, text: str, what: str) -> Sample:
    """A real reply as a sample, with the program's name before it and the STOP line after it where it lacks them
    (carriers reject samples without both: error 30893)."""
    name, stop = _sent(catalog, "textme.from"), _sent(catalog, "textme.stop")
    added = []
    if name not in text:
        text, added = f"{name}\n{text}", added + ["the program's name"]
    if "STOP" not in text:
        text, added = f"{text}\n{stop}", added + ["the STOP line"]
    return Sample(text, what, tuple(added))


def _topics(catalog: Catalog) -> list[str]:
    """The main menu's topics that list organizations (their numbers), in menu order."""
    return [option.goto for option in catalog.nodes[MAIN].options if catalog.nodes[option.goto].resources]


def _samples(catalog: Catalog) -> tuple[Sample, ...]:
    lang = SOURCE_LANGUAGE
    label = lambda topic: catalog.text(lang, f"{topic}.label")   # noqa: E731
    found = [_complete(catalog, _sent(catalog, "help"), "the reply to HELP"),
             _complete(catalog, sms.pages(catalog, lang, Screen(MAIN))[0].text,
                       "the main menu: the reply to a family's first text")]
    topics = _topics(catalog)
    if topics:
        found.append(_complete(catalog, sms.pages(catalog, lang, Screen(topics[0]))[0].text,
                               f"the first text of the topic '{label(topics[0])}'"))
        asked = topics[1] if len(topics) > 1 else topics[0]
        found.append(_complete(catalog, texting.pages(catalog, lang, asked)[0].text,
                               f"the text a caller gets by pressing {TEXT_ME_DIGIT} in '{label(asked)}'"))
    return tuple(found)


def _has_links(catalog: Catalog) -> bool:
    return any(LINK.search(text) for table in catalog.messages.values() for mid, text in table.items()
               if not mid.endswith(".voice"))


def _description(catalog: Catalog, name: str) -> str:
    languages = [_english_name(catalog, language.code) for language in catalog.languages]
    labels = [catalog.text(SOURCE_LANGUAGE, f"{option.goto}.label") for option in catalog.nodes[MAIN].options]
    intro = _sent(catalog, "intro")
    return (f"{name}: a free text line that answers the questions families text to it, in {len(languages)} "
            f"languages ({', '.join(languages)}), with the school district's information and the phone numbers of "
            f"free help. Topics: {'; '.join(labels)}. The main menu opens with: \"{intro}\" It sends no marketing and "
            "texts nobody who has not texted or called it first.")


def _message_flow(catalog: Catalog, opt_out: tuple[str, ...], opt_in: tuple[str, ...],
                  helps: tuple[str, ...]) -> str:
    menu = catalog.words(SOURCE_LANGUAGE, "keyword.menu")[:1]
    topic = next(iter(catalog.words(SOURCE_LANGUAGE, f"{_topics(catalog)[0]}.words")), "") if _topics(catalog) else ""
    examples = ", ".join([*menu, *([topic] if topic else []), helps[0], "a greeting or the name of their language"])
    return (f"A family starts every conversation by texting the hotline's number (any word: {examples}). The "
            "hotline only answers texts a family sends: each text gets a reply, first a numbered menu in the "
            "family's language, then the topic they choose. It starts a text on its own in one case only: when a "
            f"caller whose phone number the carrier attests presses {TEXT_ME_DIGIT} on a call to get a topic's phone "
            f"numbers by text, it sends that caller one text. Opt-out: {', '.join(opt_out)}. Opt back in: "
            f"{', '.join(opt_in)}. Help: {', '.join(helps)}.")


def campaign(catalog: Catalog) -> Campaign:
    """The campaign's fields from the content, in English, as families receive the texts."""
    opt_out = _keywords(catalog, carrier.OPT_OUT, KEYWORD_MESSAGES["stop"])
    opt_in = _keywords(catalog, carrier.OPT_IN, KEYWORD_MESSAGES["start"])
    helps = _keywords(catalog, carrier.HELP, KEYWORD_MESSAGES["help"])
    samples = _samples(catalog)
    return Campaign(
        description=_description(catalog, _sent(catalog, "textme.from")),
        message_flow=_message_flow(catalog, opt_out, opt_in, helps),
        samples=samples, help_message=_sent(catalog, "help"), opt_out_message=_sent(catalog, "stopped"),
        opt_in_message=_sent(catalog, "optin"), help_keywords=helps, opt_out_keywords=opt_out,
        opt_in_keywords=opt_in,
        has_embedded_phone=any(True for sample in samples for _ in phonenumbers.PhoneNumberMatcher(sample.text, "US")),
        has_embedded_links=_has_links(catalog))


def opt_out_languages(catalog: Catalog) -> list[OptOutLanguage]:
    """Each language's keywords (Twilio's own first, for English) and confirmation texts, for Advanced Opt-Out."""
    found = []
    for language in catalog.languages:
        code = language.code
        keywords = {kind: _own_words(catalog, code, msg_id) for kind, msg_id in KEYWORD_MESSAGES.items()}
        if code == SOURCE_LANGUAGE:
            for kind, twilio in (("stop", carrier.OPT_OUT), ("start", carrier.OPT_IN), ("help", carrier.HELP)):
                keywords[kind] = tuple(dict.fromkeys(twilio + tuple(w.upper() for w in keywords[kind])))
        english = tuple(mid for mid in CONFIRMATIONS if mid not in catalog.messages.get(code, {}))
        found.append(OptOutLanguage(code, _english_name(catalog, code), keywords,
                                    {mid: _sent(catalog, mid, code) for mid in CONFIRMATIONS}, english))
    return found


def problems(catalog: Catalog, found: Campaign, languages: list[OptOutLanguage]) -> list[str]:
    """What Twilio would refuse, in words naming the message to fix; empty when the campaign can be submitted."""
    wrong = []
    for mid in ("help", "stopped", "optin", "textme.from", "textme.stop", "intro"):
        if catalog.find(SOURCE_LANGUAGE, mid) is None:
            wrong.append(f"prompts/en.yaml has no message '{mid}'")
    fields = found.fields()
    for name, (low, high) in LENGTHS.items():
        if not low <= len(fields[name]) <= high:
            wrong.append(f"{name} is {len(fields[name])} characters; Twilio takes {low} to {high}"
                         + next((f" (message '{mid}' in prompts/en.yaml)" for mid, field in CONFIRMATIONS.items()
                                 if field == name), ""))
    if not SAMPLES[0] <= len(found.samples) <= SAMPLES[1]:
        wrong.append(f"{len(found.samples)} sample messages; Twilio takes {SAMPLES[0]} to {SAMPLES[1]}")
    for sample in found.samples:
        if not SAMPLE_LENGTH[0] <= len(sample.text) <= SAMPLE_LENGTH[1]:
            wrong.append(f"the sample '{sample.what}' is {len(sample.text)} characters; Twilio takes "
                         f"{SAMPLE_LENGTH[0]} to {SAMPLE_LENGTH[1]}")
    for name in ("HelpKeywords", "OptOutKeywords", "OptInKeywords"):
        if len(",".join(fields[name])) > KEYWORDS_LENGTH:
            wrong.append(f"{name} come to {len(','.join(fields[name]))} characters; Twilio takes {KEYWORDS_LENGTH}")
    low, high = LENGTHS["HelpMessage"]   # the same messages in every language, held to the campaign's limits
    for language in languages:
        for mid, text in language.texts.items():
            if not low <= len(text) <= high and language.code != SOURCE_LANGUAGE:
                wrong.append(f"translations/{language.code}.yaml: message '{mid}' is {len(text)} characters as "
                             f"sent; carriers take {low} to {high}")
    return wrong


def lines(found: Campaign, languages: list[OptOutLanguage]) -> list[str]:
    """The campaign and the Advanced Opt-Out settings, for a person to paste into the Twilio Console."""
    out = ["A2P 10DLC campaign (Twilio Console: Messaging > Regulatory Compliance > Campaigns), from the content:",
           "", f"Use case: {found.usecase} (every text answers a family's own request)", "",
           "Campaign description:", found.description, "", "How do end-users consent to receive messages? "
           "(message flow):", found.message_flow, "", "Sample messages:"]
    for number, sample in enumerate(found.samples, start=1):
        built = f"; built from the reply as sent, with {' and '.join(sample.added)} added" if sample.added else ""
        out += [f"  {number}. ({sample.what}{built})", *(f"     {line}" for line in sample.text.splitlines())]
    yes = {True: "yes", False: "no"}
    out += ["", f"Messages will include embedded links: {yes[found.has_embedded_links]}",
            f"Messages will include phone numbers: {yes[found.has_embedded_phone]}", "",
            f"Opt-in keywords: {', '.join(found.opt_in_keywords)}", f"Opt-in message: {found.opt_in_message}",
            f"Opt-out keywords: {', '.join(found.opt_out_keywords)}", f"Opt-out message: {found.opt_out_message}",
            f"Help keywords: {', '.join(found.help_keywords)}", f"Help message: {found.help_message}", "",
            "Advanced Opt-Out (Messaging > Services > the hotline's service > Opt-Out Management), each language's "
            "keywords and the texts that confirm them. Twilio's own words (STOP, START, HELP...) work in every language.",
            "Messages cannot be read back through Twilio's API: compare them with these after every change."]
    for language in languages:
        out += ["", f"{language.code} {language.name}"]
        for kind, label in (("stop", "opt-out"), ("start", "opt-in"), ("help", "help")):
            out.append(f"  {label} keywords: {', '.join(language.keywords[kind]) or '(none of its own)'}")
        for mid, label in (("stopped", "opt-out confirmation"), ("optin", "opt-in confirmation"), ("help", "help")):
            note = " (not translated: sent in English)" if mid in language.english else ""
            out.append(f"  {label}{note}: {language.texts[mid]}")
    return out
