"""Sensitive classes inferred from column names and from sampled values.

Names are split into lowercase words (`customerEmail`, `CUSTOMER_EMAIL` and `customer-email` all
give `customer email`) and matched against word patterns. A name that says its values are hashed,
masked or encrypted (`email_sha256`, `EMAIL_HASH`) gets no class: the masking already happened.

Values, where a catalog collector sampled them (a column's `samples`), are checked with the
format's checksum where one exists: Luhn for payment cards, ISO 13616 mod-97 for IBANs. A class
is inferred when at least 60% of the non-empty samples (and at least one) match.

Example:
    >>> sorted(classes_from_name("CUSTOMER_EMAIL")), classes_from_name("email_sha256")
    (['pii.email'], set())
    >>> sorted(classes_from_values(["4111 1111 1111 1111", "5500-0000-0000-0004"]))
    ['financial.payment_card']
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

EMAIL, PERSON, PHONE, ADDRESS = "pii.email", "pii.person", "pii.phone", "pii.address"
NATIONAL_ID, BIRTH_DATE, IP_ADDRESS = "pii.national_id", "pii.date_of_birth", "pii.ip_address"
PAYMENT_CARD, BANK_ACCOUNT, SECRET, HEALTH = "financial.payment_card", "financial.bank_account", "secret", "health"

_MASKED = frozenset({"hash", "hashed", "sha", "sha1", "sha256", "sha512", "md5", "masked", "mask", "redacted",
                     "encrypted", "tokenized", "pseudonymized", "pseudonym", "digest", "fingerprint"})
_PERSON_QUALIFIERS = frozenset({"first", "last", "full", "middle", "given", "family", "maiden", "customer",
                                "requester", "contact", "patient", "employee", "person", "user", "legal",
                                "display", "holder", "cardholder"})

# (words that must all appear, class); the first word set that matches wins for its class
_WORD_RULES: tuple[tuple[frozenset[str], str], ...] = tuple((frozenset(words.split()), cls) for words, cls in (
    ("email", EMAIL), ("e mail", EMAIL), ("emailaddress", EMAIL), ("mail address", EMAIL),
    ("fullname", PERSON), ("firstname", PERSON), ("lastname", PERSON), ("surname", PERSON),
    ("author", PERSON), ("signature", PERSON),
    ("phone", PHONE), ("phonenumber", PHONE), ("mobile", PHONE), ("telephone", PHONE), ("msisdn", PHONE),
    ("fax", PHONE), ("cell phone", PHONE),
    ("street", ADDRESS), ("postcode", ADDRESS), ("zipcode", ADDRESS), ("zip", ADDRESS), ("postal", ADDRESS),
    ("home address", ADDRESS), ("billing address", ADDRESS), ("shipping address", ADDRESS),
    ("mailing address", ADDRESS), ("street address", ADDRESS), ("address line", ADDRESS),
    ("ssn", NATIONAL_ID), ("social security", NATIONAL_ID), ("national id", NATIONAL_ID),
    ("passport", NATIONAL_ID), ("tax id", NATIONAL_ID), ("taxid", NATIONAL_ID), ("nino", NATIONAL_ID),
    ("driver license", NATIONAL_ID), ("drivers license", NATIONAL_ID),
    ("card number", PAYMENT_CARD), ("cardnumber", PAYMENT_CARD), ("credit card", PAYMENT_CARD),
    ("cc number", PAYMENT_CARD), ("pan", PAYMENT_CARD), ("cvv", PAYMENT_CARD), ("cvc", PAYMENT_CARD),
    ("iban", BANK_ACCOUNT), ("bank account", BANK_ACCOUNT), ("account number", BANK_ACCOUNT),
    ("routing number", BANK_ACCOUNT), ("swift", BANK_ACCOUNT), ("bic", BANK_ACCOUNT),
    ("dob", BIRTH_DATE), ("birth", BIRTH_DATE), ("birthdate", BIRTH_DATE), ("birthday", BIRTH_DATE),
    ("ip", IP_ADDRESS), ("ipaddress", IP_ADDRESS), ("ip address", IP_ADDRESS), ("remote addr", IP_ADDRESS),
    ("password", SECRET), ("passwd", SECRET), ("pwd", SECRET), ("secret", SECRET), ("api key", SECRET),
    ("apikey", SECRET), ("access token", SECRET), ("refresh token", SECRET), ("auth token", SECRET),
    ("bearer token", SECRET), ("private key", SECRET), ("credential", SECRET), ("credentials", SECRET),
    ("diagnosis", HEALTH), ("icd10", HEALTH), ("medical", HEALTH), ("health", HEALTH),
    ("prescription", HEALTH), ("medication", HEALTH), ("allergies", HEALTH), ("symptoms", HEALTH),
))

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SPLIT = re.compile(r"[^A-Za-z0-9]+")


def words(name: str) -> list[str]:
    """A column name as lowercase words.

    Example:
        >>> words("customerEmail_SHA256"), words("IP-Address")
        (['customer', 'email', 'sha256'], ['ip', 'address'])
    """
    return [w.lower() for part in _SPLIT.split(name) for w in _CAMEL.split(part) if w]


def classes_from_name(name: str) -> set[str]:
    """Sensitive classes a column's name implies; none when it says the values are masked.

    Example:
        >>> sorted(classes_from_name("requester_name")), sorted(classes_from_name("date_of_birth"))
        (['pii.person'], ['pii.date_of_birth'])
    """
    found = set(words(name))
    if not found or found & _MASKED:
        return set()
    out = {cls for needed, cls in _WORD_RULES if needed <= found}
    if "name" in found and found & _PERSON_QUALIFIERS:
        out.add(PERSON)
    if EMAIL in out or IP_ADDRESS in out:
        out.discard(ADDRESS)  # "email address", "ip address"
    return out


# -- values ------------------------------------------------------------------------------------------

_EMAIL_VALUE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_SSN_VALUE = re.compile(r"^(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$")
_IBAN_VALUE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_CARD_VALUE = re.compile(r"^[0-9]{13,19}$")
_SECRET_VALUE = re.compile(
    r"^(?:sk-[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|AKIA[0-9A-Z]{16}|xox[abpr]-[A-Za-z0-9-]{10,})$")


def luhn_valid(digits: str) -> bool:
    """Whether a digit string passes the Luhn checksum (payment card numbers).

    Example:
        >>> luhn_valid("4111111111111111"), luhn_valid("4111111111111112")
        (True, False)
    """
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_valid(text: str) -> bool:
    """Whether `text` is an IBAN with a valid ISO 13616 mod-97 check (spaces allowed).

    Example:
        >>> iban_valid("GB82 WEST 1234 5698 7654 32"), iban_valid("GB82 WEST 1234 5698 7654 33")
        (True, False)
    """
    compact = text.replace(" ", "").upper()
    if not _IBAN_VALUE.match(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _value_classes(text: str) -> set[str]:
    out: set[str] = set()
    if _EMAIL_VALUE.match(text):
        out.add(EMAIL)
    compact = re.sub(r"[ -]", "", text)
    if _CARD_VALUE.match(compact) and luhn_valid(compact):
        out.add(PAYMENT_CARD)
    if iban_valid(text):
        out.add(BANK_ACCOUNT)
    if _SSN_VALUE.match(text):
        out.add(NATIONAL_ID)
    if ("." in text or ":" in text) and _ip(text):
        out.add(IP_ADDRESS)
    if _SECRET_VALUE.match(text):
        out.add(SECRET)
    return out


def classes_from_values(samples: Iterable[object], *, threshold: float = 0.6) -> set[str]:
    """Classes that at least `threshold` of the non-empty sampled values show.

    Example:
        >>> sorted(classes_from_values(["DE89 3704 0044 0532 0130 00", "not an iban"], threshold=0.5))
        ['financial.bank_account']
    """
    counts: dict[str, int] = {}
    total = 0
    for value in samples:
        text = str(value).strip() if value is not None else ""
        if not text or len(text) > 200:
            continue
        total += 1
        for cls in _value_classes(text):
            counts[cls] = counts.get(cls, 0) + 1
    return {cls for cls, hits in counts.items() if total and hits / total >= threshold}
