"""Pictures of reports as a person would see them: HTML through headless Chromium, PDF through
poppler's ``pdftoppm``. Used by the tests and to make the screenshots in docs/img/.

Chromium runs with the network and every background service off (the report needs none) and a
fresh profile folder each time; as root it needs ``--no-sandbox``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium() -> str | None:
    """Path of a Chromium binary, or None."""
    for name in CHROMIUM_NAMES:
        p = shutil.which(name)
        if p:
            return p
    return None


def _flags(profile: str) -> list[str]:
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--hide-scrollbars", f"--user-data-dir={profile}"]


def _chromium(args: list[str], timeout_s: float) -> None:
    exe = chromium()
    if exe is None:
        raise FileNotFoundError("chromium is not installed (Debian package: chromium)")
    with tempfile.TemporaryDirectory(prefix="kyphos-chromium-") as profile:
        r = subprocess.run([exe, *_flags(profile), *args], capture_output=True, text=True,
                           timeout=timeout_s, env={**os.environ, "HOME": profile})
    if r.returncode != 0:
        raise RuntimeError(f"chromium failed ({r.returncode}): {r.stderr[-2000:]}")


def screenshot(html: str | os.PathLike[str], png: str | os.PathLike[str], width: int = 1000,
               height: int = 2400, timeout_s: float = 60.0) -> Path:
    """Screenshot of the page at ``html`` in a ``width`` × ``height`` window."""
    out = Path(png).resolve()
    _chromium([f"--screenshot={out}", f"--window-size={width},{height}",
               Path(html).resolve().as_uri()], timeout_s)
    if not out.exists():
        raise RuntimeError(f"chromium wrote no screenshot to {out}")
    return out


def print_pdf(html: str | os.PathLike[str], pdf: str | os.PathLike[str],
              timeout_s: float = 60.0) -> Path:
    """The page printed to PDF by Chromium (uses the report's print CSS, A4)."""
    out = Path(pdf).resolve()
    _chromium(["--no-pdf-header-footer", f"--print-to-pdf={out}", Path(html).resolve().as_uri()],
              timeout_s)
    return out


def pdf_to_png(pdf: str | os.PathLike[str], prefix: str | os.PathLike[str],
               dpi: int = 60) -> list[Path]:
    """Every page of ``pdf`` as ``<prefix>-N.png`` (pdftoppm); returns the pages in order."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise FileNotFoundError("pdftoppm is not installed (Debian package: poppler-utils)")
    pre = Path(prefix)
    subprocess.run([exe, "-r", str(dpi), "-png", str(pdf), str(pre)], check=True,
                   capture_output=True, timeout=60)
    pages = sorted(pre.parent.glob(pre.name + "-*.png"),
                   key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return pages
