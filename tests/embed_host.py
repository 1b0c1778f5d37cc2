"""A minimal host surface for testing the embedding API: lines between `<<<` and `>>>` are a properties file
indented by four spaces; `~` in it stands for a character the host cannot hold, `RO` after `<<<` makes the
block read-only."""

from __future__ import annotations

from lmimigrate.core.ftypes import ParsedFile, ParseError, Unit
from lmimigrate.surfaces.embed import embed, indented, placeholders


def parse_file(path: str, text: str) -> ParsedFile:
    host = Unit(text=text, surface="testhost")
    parsed = ParsedFile(path=path, units=[host])
    if "!!broken" in text:
        raise ParseError("broken host", offset=text.index("!!broken"))
    pos = 0
    while True:
        start = text.find("<<<", pos)
        if start < 0:
            return parsed
        body = text.index("\n", start) + 1
        end = text.index(">>>", body)
        read_only = text[start:body].strip() == "<<< RO"
        decoded, encode, to_host = indented(text, (body, end), "    ")

        def guarded(new: str, encode=encode) -> str:
            if "~" in new:
                raise ValueError("the host cannot hold `~`")
            return encode(new)

        parsed.units += embed(host, (body, end), decoded, "properties", encode=None if read_only else guarded,
                              to_host=to_host, opaque=placeholders(decoded), label="test block")
        pos = end + 3
