"""Hostile variants of otherwise valid values, shared by the unit and functional hostile-input tests.

Every variant is built from a valid base value of its field (a volume name, a host, a path...)
by embedding one class of trouble: a shell metacharacter, a control character, a path
traversal, an absurd length, or a unicode character that looks like (or hides between) ASCII.
"""

SHELL = {
    "semicolon": ";",
    "pipe": "|",
    "ampersand": "&",
    "command-substitution": "$(touch pwned)",
    "backtick": "`touch pwned`",
    "redirect-out": ">",
    "redirect-in": "<",
    "glob-star": "*",
    "glob-question": "?",
}
CONTROL = {"newline": "\n", "carriage-return": "\r", "tab": "\t", "nul": "\x00"}
UNICODE = {
    "zero-width-space": "\u200b",
    "right-to-left-override": "\u202e",
    "non-breaking-space": "\u00a0",
    "line-separator": "\u2028",
}
CYRILLIC_A = "\u0430"  # looks like the Latin 'a'
# gluster's CLI reads any argv word starting with '--' as its own option, wherever it stands
GLUSTER_OPTIONS = {"remote-host": "--remote-host=127.9.9.9", "log-file": "--log-file=/tmp/pwned"}


def _fullwidth(text):
    """ASCII letters and digits as their fullwidth forms (``gv0`` -> ``ｇｖ０``)."""
    return "".join(chr(ord(ch) + 0xFEE0) if ch.isascii() and ch.isalnum() else ch for ch in text)


def _middle(text, fragment):
    cut = max(1, len(text) // 2)
    return text[:cut] + fragment + text[cut:]


def variants(base, kind="word"):
    """``{class id: hostile value}`` made from the valid ``base``.

    ``kind`` is ``word`` (names, hosts, keys, options) or ``path`` (absolute paths: traversals
    and lengths are built as path components there).
    """
    found = {}
    for name, fragment in SHELL.items():
        found[f"shell-{name}"] = f"{base}{fragment}x"
    for name, char in CONTROL.items():
        found[f"control-{name}"] = _middle(base, char)
        found[f"control-{name}-trailing"] = base + char
    for name, char in UNICODE.items():
        found[f"unicode-{name}"] = _middle(base, char)
    found["unicode-cyrillic-a"] = base.replace("a", CYRILLIC_A, 1) if "a" in base else base + CYRILLIC_A
    found["unicode-fullwidth"] = _fullwidth(base)
    if kind == "word":  # a path starts with '/', so it can never be read as a gluster option
        for name, option in GLUSTER_OPTIONS.items():
            found[f"gluster-option-{name}"] = f"{option}{base}"
    if kind == "path":
        found["traversal-dotdot-slash"] = f"{base}/../outside"
        found["traversal-slash-dotdot"] = f"{base}/.."
        found["long-300"] = base + "/" + "a" * 300  # one component longer than NAME_MAX (255)
        found["long-5000"] = base + "/" + "/".join(["a" * 99] * 50)  # 5000+ chars in short components
    else:
        found["traversal-dotdot-slash"] = f"../{base}"
        found["traversal-slash-dotdot"] = f"{base}/.."
        found["long-300"] = (base * 300)[:300]
        found["long-5000"] = (base * 5000)[:5000]
    assert all(value != base for value in found.values())
    return found


# option VALUES are free text for gluster (auth.allow takes "192.168.*", nfs.export-dir takes
# "/dir(host|host2)", ssl.cipher-list takes "HIGH:!SSLv2"), passed as one argv element and never
# through a shell: shell characters, '..', visible non-ASCII letters and lengths up to 4096 are
# accepted there. What breaks gluster's line-based volume files, or hides text, is refused.
OPTION_VALUE_ACCEPTED = (
    "shell-",
    "traversal-",
    "long-300",
    "unicode-cyrillic-a",
    "unicode-fullwidth",
)


def option_value_rejected(class_id):
    return not class_id.startswith(OPTION_VALUE_ACCEPTED)


def printable(text):
    """``text`` with every non-printable character written as its Python escape (as the
    pillar validation shows pillar paths holding such characters)."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(text))
