"""Make the browser tests runnable: Debian's chromium, CJK fonts and the playwright package.

Installs the `chromium` and `fonts-noto-cjk` Debian packages with apt-get when
/usr/bin/chromium is missing and this runs as root. Playwright's own browser download
(`playwright install`) is never used. Prints what it found and did.

Exits 1 only when the playwright package is not importable. A chromium that cannot be
installed is reported with exit 0, because the browser tests then skip with their own message.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
APT_PACKAGES = ["chromium", "fonts-noto-cjk"]
APT_TIMEOUT_SECONDS = 900


def _run(command: list[str]) -> bool:
    print("running:", " ".join(command))
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        completed = subprocess.run(command, env=env, timeout=APT_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        print(f"timed out after {APT_TIMEOUT_SECONDS} s: {' '.join(command)}")
        return False
    if completed.returncode != 0:
        print(f"failed with exit code {completed.returncode}: {' '.join(command)}")
    return completed.returncode == 0


def ensure_chromium() -> None:
    if CHROMIUM.exists():
        print(f"chromium: found {CHROMIUM}")
        return
    if os.geteuid() != 0:
        print(f"chromium: {CHROMIUM} is missing and this is not root; run as root: apt-get install chromium fonts-noto-cjk")
        return
    if shutil.which("apt-get") is None:
        print("chromium: apt-get not found; install a chromium package at /usr/bin/chromium by hand")
        return
    if _run(["apt-get", "update", "-q"]) and _run(["apt-get", "install", "-y", "-q", *APT_PACKAGES]):
        print(f"chromium: installed {', '.join(APT_PACKAGES)}")


def check_playwright() -> bool:
    if importlib.util.find_spec("playwright") is None:
        print(f"playwright: not importable by {sys.executable}; install the test extra: pip install -e '.[test]'")
        return False
    print("playwright: importable")
    return True


def main() -> int:
    ensure_chromium()
    return 0 if check_playwright() else 1


if __name__ == "__main__":
    sys.exit(main())
