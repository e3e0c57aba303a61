"""Read rigour's Wikidata person-name groups out of the installed rigour wheel.

rigour 2.x keeps its name data inside its compiled core (`rigour/_core*.so`) as zstd frames and
has no Python call that lists the groups. This module finds the installed core through the
package metadata (rigour is not imported: importing it needs normality, and so PyICU), takes the
zstd frame whose text is the groups, and prints it. One group a line, as rigour writes them:
`form, form, ... => Q<wikidata item>`; forms are lower case and carry no language label.

Run in the benchmark's own environment (it needs rigour and zstandard, neither of which the
product depends on): `var/bench-venv/bin/python benchmarks/rigour_names.py > groups.txt`.
The first line printed is `# rigour <version>`. Nothing is downloaded.
"""

from __future__ import annotations

import sys
from importlib import metadata

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GROUP_MARK = " => Q"


def person_name_groups() -> tuple[str, str]:
    """(rigour's version, the text of its person-name groups)."""
    import zstandard

    distribution = metadata.distribution("rigour")
    core = next(f for f in distribution.files or () if f.name.startswith("_core"))
    data = core.locate().read_bytes()
    start = data.find(ZSTD_MAGIC)
    while start >= 0:
        try:
            text = zstandard.ZstdDecompressor().decompressobj().decompress(data[start:])
        except zstandard.ZstdError:
            text = b""
        head = text[:2000].decode("utf-8", "replace")
        if head.count(GROUP_MARK) >= 10:
            return distribution.version, text.decode("utf-8")
        start = data.find(ZSTD_MAGIC, start + 1)
    raise LookupError(f"no person-name groups found in {core}")


if __name__ == "__main__":
    version, text = person_name_groups()
    sys.stdout.write(f"# rigour {version}\n{text}")
