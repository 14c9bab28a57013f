"""The Nu Html Checker (vnu.jar) for the tests: the pinned release, fetched once, and a run of it.

The jar is about 32 MB, so it is not in the repository: ``ensure_jar()`` downloads the npm
package ``vnu-jar`` of the pinned version into ``var/vendor/`` (gitignored) the first time, checks
the tarball and the jar against their SHA-256 below, and keeps only the jar. ``make test`` fetches
it through ``scripts/system-deps.sh`` (which runs this file as a script, before the virtualenv
exists: it uses the standard library only); a test that needs it fetches it too if it is missing.
Version, licence and how to upgrade: ``tanzim/testing/vendor/vnu/README.md``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

VERSION = "26.9.27"
TARBALL_URL = f"https://registry.npmjs.org/vnu-jar/-/vnu-jar-{VERSION}.tgz"
TARBALL_SHA256 = "5970d3ffca91a627cf0965e5d91bb2e4242307c29292998de0b419d6a901b2b7"
JAR_MEMBER = "package/build/dist/vnu.jar"
JAR_SHA256 = "22f15dd39a33bed929d2a5c0cddf5946849a647eca9272bf4d5d00bc7e7a4d47"

ROOT = Path(__file__).resolve().parents[2]
JAR = ROOT / "var" / "vendor" / f"vnu-{VERSION}" / "vnu.jar"


class VnuError(RuntimeError):
    """The jar could not be fetched or verified, or the checker did not run."""


@dataclass(frozen=True)
class Message:
    """One error the checker reported: the file, its line and the checker's words."""

    file: str
    line: int | None
    message: str
    extract: str


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ensure_jar(jar: Path = JAR) -> Path:
    """The pinned vnu.jar, downloaded and verified the first time; refused if it was altered."""
    if jar.exists():
        if _sha256(jar) != JAR_SHA256:
            raise VnuError(f"{jar} does not have the pinned SHA-256 {JAR_SHA256}; delete it to fetch again")
        return jar
    jar.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=jar.parent) as folder:
        tarball = Path(folder) / "vnu-jar.tgz"
        try:
            with urllib.request.urlopen(TARBALL_URL, timeout=120) as response, tarball.open("wb") as out:
                shutil.copyfileobj(response, out)
        except OSError as error:
            raise VnuError(f"could not download {TARBALL_URL}: {error}") from error
        if _sha256(tarball) != TARBALL_SHA256:
            raise VnuError(f"{TARBALL_URL} does not have the pinned SHA-256 {TARBALL_SHA256}")
        unpacked = Path(folder) / "vnu.jar"
        with tarfile.open(tarball, "r:gz") as archive:
            member = archive.extractfile(JAR_MEMBER)
            if member is None:
                raise VnuError(f"{TARBALL_URL} has no {JAR_MEMBER}")
            with member, unpacked.open("wb") as out:
                shutil.copyfileobj(member, out)
        if _sha256(unpacked) != JAR_SHA256:
            raise VnuError(f"{JAR_MEMBER} of {TARBALL_URL} does not have the pinned SHA-256 {JAR_SHA256}")
        unpacked.replace(jar)  # the same folder: a whole jar or none, even with two processes
    return jar


def check(files: list[Path], *, java: str = "java", timeout: int = 300) -> list[Message]:
    """The errors (no warnings) the checker finds in ``files``, all checked by one JVM."""
    if not files:
        return []
    command = [java, "-jar", str(ensure_jar()), "--errors-only", "--format", "json", "--stdout"]
    command.append("--exit-zero-always")  # errors are read from the report, not the exit status
    result = subprocess.run(  # noqa: S603 (a fixed command, the test's own files)
        [*command, *map(str, files)], capture_output=True, text=True, timeout=timeout, check=False
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        output = result.stderr or result.stdout
        raise VnuError(f"vnu did not report (exit {result.returncode}): {output}") from error
    messages = []
    for item in report.get("messages", []):
        if item.get("type") == "info":
            continue  # --errors-only keeps none, but the format allows them
        url = item.get("url", "")
        messages.append(
            Message(
                file=url.rsplit("/", 1)[-1],
                line=item.get("lastLine", item.get("firstLine")),
                message=item.get("message", ""),
                extract=item.get("extract", ""),
            )
        )
    return messages


if __name__ == "__main__":
    # ``python3 tanzim/testing/vnu.py``: fetch and verify the jar (scripts/system-deps.sh).
    try:
        print(ensure_jar())
    except VnuError as error:
        sys.exit(f"vnu.jar: {error}")
