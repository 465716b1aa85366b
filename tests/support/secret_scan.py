"""Looking for secret material where it must never be: returns, state changes and comments,
events, log lines.

A PEM private key is recognised by its base64 body lines (each 64 characters, specific to that
key) and by its armour; a search finds any of them anywhere in the text of a Python structure
(``repr``, so nested returns, bytes and exception texts are covered)."""

import json

ARMOUR = "PRIVATE KEY-----"


def key_material(pem):
    """The pieces of ``pem`` that identify it: its body lines of 40 or more characters."""
    return [line.strip() for line in pem.splitlines() if len(line.strip()) >= 40 and "-----" not in line]


def leaked(where, secrets):
    """The secrets (or the private-key armour) found in ``where``; ``[]`` when clean."""
    try:
        text = json.dumps(where, default=repr, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(where)
    text += repr(where)
    found = [piece[:16] + "..." for secret in secrets for piece in key_material(secret) if piece in text]
    if ARMOUR in text:
        found.append(ARMOUR)
    return found


def assert_no_secrets(where, secrets, what="output"):
    found = leaked(where, secrets)
    assert not found, f"{what} holds private key material: {found}"
