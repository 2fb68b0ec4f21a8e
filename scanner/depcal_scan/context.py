"""Whether a name that is also an ordinary word stands where code uses it as a model id.

``command`` is a Cohere model and the most common word of command-line code; ``ada`` is an
OpenAI model and a programming language. The catalogue marks such names ambiguous (with the
reason), and the scanner reports them only where they are used as a model id: with a vendor
or router prefix (``cohere/command``: the matcher sees that), or as a whole value given to a
key, argument or flag about models, that is a quoted string or an unquoted config value that
ends there, next to a key whose name says model, engine or deployment:

    client.chat(model="command")      "model": "command"       engine: ada
    MODEL_ID=command                  --model command          .model("command")
    models = ["ada", "babbage"]       deployment_name='ada'

and not in prose, comments, or other strings (``dest="command"``, ``# run this command``).
"""

from __future__ import annotations

import re

QUOTES = "\"'`"
LOOK_BACK = 200  # characters before a value that can hold its key (bounds the work per line)
_KEY = r"[\w.\-]*(?:model|engine|deployment)[\w.\-]*"
# What stands before the value, up to it (the value's opening quote already taken off).
_BEFORE = re.compile(rf"""(?ix)
    (?: ["']?{_KEY}["']? \s* (?:=|:=|=>|:) \s*      # model="x"  "model": "x"  engine: x
      | --?{_KEY} (?:\s+|=)                        # --model x  --model=x
      | {_KEY} \s* \( \s*                          # .model("x")  setModel("x")
    )
    (?: [\[(] \s* (?: (?:"[^"]*"|'[^']*'|[\w.:/@\-]+) \s* , \s* )* )?   # earlier list items
    $""")
# What may follow an unquoted value: the end of the line, a comment, a separator, a flag.
_AFTER_UNQUOTED = re.compile(r"\s*(?:$|[,;#)\]}]|//|--?\w|\\$)")


def used_as_model_id(line: str, start: int, end: int) -> bool:
    """Whether ``line[start:end]`` (a name) is a whole value given to a model key or flag."""
    before, after = line[max(0, start - LOOK_BACK):start], line[end:]
    quote = before[-1:]
    if quote and quote in QUOTES:
        if not after.startswith(quote):
            return False  # part of a longer string: prose
        before = before[:-1]
    elif not _AFTER_UNQUOTED.match(after):
        return False
    return _BEFORE.search(before) is not None
