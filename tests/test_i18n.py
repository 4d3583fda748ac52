"""French first, English at /en/: the catalogue is complete, compiled, and numbers read French."""

from __future__ import annotations

import ast
import gettext as gnu_gettext
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from surveys.validation import FLAG_LABELS, MESSAGES

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"


def po_entries(path: Path) -> list[dict[str, object]]:
    """The entries of a .po file: msgid, msgid_plural, msgstr (str or list), flags."""
    entries: list[dict[str, object]] = []
    entry: dict[str, object] = {}
    key = ""
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {}, ""
        elif line.startswith("#,"):
            entry["flags"] = [flag.strip() for flag in line[2:].split(",")]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(entry[key], list):
                entry[key][-1] += value  # type: ignore[index, operator]
            else:
                entry[key] = str(entry[key]) + value
        else:
            keyword, literal = line.split(" ", 1)
            value = ast.literal_eval(literal)
            if keyword.startswith("msgstr["):
                entry.setdefault("msgstr", [])
                entry["msgstr"].append(value)  # type: ignore[union-attr]
                key = "msgstr"
            else:
                entry[keyword] = value
                key = keyword
    return [entry for entry in entries if entry["msgid"]]


def test_every_message_of_the_french_catalogue_is_translated() -> None:
    entries = po_entries(CATALOGUE / "django.po")

    assert len(entries) > 150
    untranslated = [
        entry["msgid"]
        for entry in entries
        if "fuzzy" in entry.get("flags", [])  # type: ignore[operator]
        or not all(entry["msgstr"] if isinstance(entry["msgstr"], list) else [entry["msgstr"]])
    ]
    assert untranslated == []


def test_the_compiled_catalogue_matches_the_source() -> None:
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        catalogue = gnu_gettext.GNUTranslations(compiled)

    for entry in po_entries(CATALOGUE / "django.po"):
        msgid, msgstr = str(entry["msgid"]), entry["msgstr"]
        if "msgid_plural" in entry:
            assert isinstance(msgstr, list)
            assert catalogue.ngettext(msgid, str(entry["msgid_plural"]), 1) == msgstr[0]
        else:
            assert catalogue.gettext(msgid) == msgstr, msgid


def test_every_validation_message_and_flag_reads_in_french() -> None:
    with translation.override("fr"):
        french = {str(message) for message in [*MESSAGES.values(), *FLAG_LABELS.values()]}
    with translation.override("en"):
        english = {str(message) for message in [*MESSAGES.values(), *FLAG_LABELS.values()]}

    assert french.isdisjoint(english)
    with translation.override("fr"):
        assert str(MESSAGES["required"]) == "Ce champ est obligatoire."
        assert str(FLAG_LABELS["salary_above_ceiling"]) == "salaire au-dessus du plafond du pays"


@pytest.mark.parametrize(("language", "expected"), [("fr", "34\u00a0000"), ("en", "34,000")])
def test_figures_are_grouped_the_french_way_in_french(language: str, expected: str) -> None:
    template = Template("{% load humanize l10n %}{{ amount|intcomma }}|{{ amount|localize }}")

    with translation.override(language):
        rendered = template.render(Context({"amount": 34_000}))

    assert rendered == f"{expected}|{expected}"


def test_decimals_take_a_comma_in_french() -> None:
    template = Template("{% load l10n %}{{ share|localize }}")

    with translation.override("fr"):
        assert template.render(Context({"share": 0.8})) == "0,8"


@pytest.mark.django_db
def test_pages_are_french_at_the_root_and_english_under_en(client: Client) -> None:
    french = client.get("/survey/withdraw/")
    english = client.get("/en/survey/withdraw/")

    assert french["Content-Language"] == "fr"
    assert '<html lang="fr">' in french.content.decode()
    assert "Retirer ma réponse" in french.content.decode()
    assert english["Content-Language"] == "en"
    assert "Withdraw my answer" in english.content.decode()


@pytest.mark.django_db
def test_the_language_switch_offers_the_other_language(client: Client) -> None:
    french = client.get("/survey/withdraw/").content.decode()
    english = client.get("/en/survey/withdraw/").content.decode()

    assert 'name="language" value="en"' in french
    assert 'name="language" value="fr"' in english
