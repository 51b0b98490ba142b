"""Copy the npm front-end packages into static/vendor (built, never committed).

GOV.UK Frontend's precompiled CSS points at /assets/ and uses the GDS Transport font, which only
GOV.UK services may use. We rewrite the asset URLs to where we serve them and drop the font, so
the stylesheet falls back to Arial as GOV.UK advises for services outside GOV.UK.
"""

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NODE = ROOT / "node_modules"
OUT = ROOT / "static" / "vendor"

FONT_FACE = re.compile(r"@font-face\{[^}]*\}")
GDS_FONT = re.compile(r"(\"GDS Transport\"|GDS Transport),")


def _css(source: Path, target: Path, assets_url: str) -> None:
    text = source.read_text(encoding="utf-8")
    text = FONT_FACE.sub("", text)
    text = GDS_FONT.sub("", text)
    text = text.replace("url(/assets/", f"url({assets_url}")
    text = re.sub(r"/\*# sourceMappingURL=.*?\*/", "", text)
    target.write_text(text, encoding="utf-8")


def build() -> None:
    if not NODE.is_dir():
        sys.exit("node_modules is missing: run `npm ci` first (make assets does).")
    if OUT.exists():
        shutil.rmtree(OUT)
    govuk = NODE / "govuk-frontend" / "dist" / "govuk"
    moj = NODE / "@ministryofjustice" / "frontend" / "moj"
    (OUT / "govuk").mkdir(parents=True)
    (OUT / "moj").mkdir(parents=True)
    shutil.copytree(govuk / "assets" / "images", OUT / "govuk" / "assets" / "images")
    shutil.copy(govuk / "assets" / "manifest.json", OUT / "govuk" / "assets" / "manifest.json")
    shutil.copytree(moj / "assets", OUT / "moj" / "assets")
    _css(
        govuk / "govuk-frontend.min.css",
        OUT / "govuk" / "govuk-frontend.min.css",
        "/static/vendor/govuk/assets/",
    )
    _css(
        moj / "moj-frontend.min.css",
        OUT / "moj" / "moj-frontend.min.css",
        "/static/vendor/moj/assets/",
    )
    for source, target in [
        (govuk / "govuk-frontend.min.js", OUT / "govuk" / "govuk-frontend.min.js"),
        (moj / "moj-frontend.min.js", OUT / "moj" / "moj-frontend.min.js"),
        (NODE / "htmx.org" / "dist" / "htmx.min.js", OUT / "htmx.min.js"),
    ]:
        text = source.read_text(encoding="utf-8")
        target.write_text(re.sub(r"//# sourceMappingURL=\S+", "", text), encoding="utf-8")
    print(f"front-end assets copied to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    build()
