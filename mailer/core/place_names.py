"""PURE: the genitive forms of Finnish municipality names, as rosters write them in the
official names "Vaasan kaupunki", "Helsingin kaupunki", "Kuopion kaupunki", "Hämeenlinnan
kaupunki", "Lahden kaupunki".

Stripping an "n" is not enough: consonant gradation (Turku -> Turun, Helsinki -> Helsingin,
Outokumpu -> Outokummun), i-stems that take -en (Lahti -> Lahden, Seinäjoki -> Seinäjoen),
e-stems (Tampere -> Tampereen), -nen words (Kauniainen -> Kauniaisten) and a few irregular ones
(Virrat -> Virtain, Uusikaupunki -> Uudenkaupungin). `genitives(name)` returns every plausible
form, the usual one first; `mailer.core.regions` matches what a roster wrote against them, so
a plausible-but-wrong extra candidate costs nothing as long as no two municipalities share it
(the index drops such a form, and tests/test_place_names.py checks every municipality).
"""

from __future__ import annotations

__all__ = ["genitives"]

_VOWELS = "aeiouyäö"

# Irregular or ambiguous by the rules below: nominative -> genitive(s), usual form first.
_IRREGULAR: dict[str, tuple[str, ...]] = {
    "Virrat": ("Virtain", "Virtojen"),  # a plural name
    "Punkalaidun": ("Punkalaitumen",),
    "Pihtipudas": ("Pihtiputaan",),
    "Uusikaupunki": ("Uudenkaupungin",),
    "Uusikaarlepyy": ("Uudenkaarlepyyn",),
    "Isokyrö": ("Isonkyrön",),
    "Isojoki": ("Isojoen", "Isonjoen"),
    "Koski Tl": ("Kosken Tl", "Kosken"),
    "Kaustinen": ("Kaustisen",),
    "Kannus": ("Kannuksen",),
    "Muurame": ("Muuramen",),
    "Raahe": ("Raahen",),
    "Korsnäs": ("Korsnäsin",),
    "Kumlinge": ("Kumlingen",),
    "Pedersören kunta": ("Pedersören",),
}

# Compound endings whose i turns into e (järvi -> järven); other i-words keep it (Pori -> Porin).
_E_STEM_ENDINGS = ("järvi", "salmi", "niemi", "saari", "lahti", "joki", "koski", "mäki", "nummi")

# Consonant gradation at the end of the stem, strong -> weak (Lappeenranta -> Lappeenrannan).
_GRADATION = (
    ("kk", "k"),
    ("pp", "p"),
    ("tt", "t"),
    ("nk", "ng"),
    ("mp", "mm"),
    ("nt", "nn"),
    ("lt", "ll"),
    ("rt", "rr"),
    ("ht", "hd"),
    ("rk", "r"),
)


def _weak(stem: str) -> str | None:
    """The weak grade of a stem's final consonant(s), or None when there is no gradation."""
    for strong, weak in _GRADATION:
        if stem.endswith(strong):
            return stem[: -len(strong)] + weak
    if len(stem) >= 2 and stem[-2] in _VOWELS:
        if stem[-1] == "k":  # Seinäjoki -> Seinäjoen, Juuka -> Juuan
            return stem[:-1]
        if stem[-1] == "t" and stem[-3:-2] in tuple(_VOWELS):  # Hailuoto -> Hailuodon
            return stem[:-1] + "d"
    return None


def _i_word(word: str) -> list[str]:
    stem = word[:-1]
    weak = _weak(stem)
    with_in = [word + "n"] + ([weak + "in"] if weak else [])
    with_en = [stem + "en"] + ([weak + "en"] if weak else [])
    if word.endswith("esi"):  # Heinävesi -> Heinäveden
        with_en.insert(0, word[:-2] + "den")
    if word.lower().endswith(_E_STEM_ENDINGS) or word.endswith("esi"):
        return with_en[::-1] + with_in if weak else with_en + with_in
    return with_in[::-1] + with_en if weak else with_in + with_en


def _vowel_word(word: str) -> list[str]:
    if word.endswith("nen"):  # Kauniainen -> Kauniaisten (also written Kauniaisen)
        return [word[:-3] + "sten", word[:-3] + "sen"]
    if word[-1] == "i":
        return _i_word(word)
    if word[-1] == "e" and word[-2] not in _VOWELS:  # Tampere -> Tampereen
        return [word + "en", word + "n"]
    weak = _weak(word[:-1])
    forms = [word + "n"]
    if weak is not None and word[-2] not in _VOWELS:
        forms.insert(0, weak + word[-1] + "n")
    elif weak is not None:
        forms.append(weak + word[-1] + "n")
    return forms


def _consonant_word(word: str) -> list[str]:
    if word.endswith("us"):  # Varkaus -> Varkauden, Alavus -> Alavuden
        return [word[:-1] + "den", word[:-1] + "ksen"]
    if word.endswith("s"):  # Nurmes -> Nurmeksen, Muhos -> Muhoksen
        return [word[:-1] + "ksen", word + "in"]
    return [word + "in"]  # loan names: Saltvik -> Saltvikin


def genitives(name: str) -> tuple[str, ...]:
    """Plausible Finnish genitives of a municipality name, the usual one first. Only the last
    part of a compound inflects (Mänttä-Vilppula -> Mänttä-Vilppulan)."""
    if name in _IRREGULAR:
        return _IRREGULAR[name]
    if not name or " " in name:
        return ()
    word = name
    if word[-1].lower() in _VOWELS or word.endswith("nen"):
        forms = _vowel_word(word)
    else:
        forms = _consonant_word(word)
    return tuple(dict.fromkeys(forms))
