#!/usr/bin/env python3
"""Makes assets/fonts/poster-sc.otf, the font posters are drawn with (src/sharing/poster.rs).

Noto Sans CJK SC (SIL Open Font License; Debian's fonts-noto-cjk) cut down to what a
poster shows: ASCII and Latin-1, punctuation, every GB 2312 character (the 6,763 hanzi
that cover nearly every title, city and venue), and every character of the zh-CN
catalogue and the city list. A character outside it is drawn as the font's empty box.
Run again after adding catalogue strings with new characters:
    pip install fonttools && python3 scripts/font-subset.py
"""
import glob, json, os
from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
TARGET = "assets/fonts/poster-sc.otf"

chars = set(chr(c) for c in range(0x20, 0x7F)) | set(chr(c) for c in range(0xA0, 0x100))
chars |= set(chr(c) for c in range(0x2010, 0x2070))  # general punctuation
chars |= set(chr(c) for c in range(0x3000, 0x3040))  # CJK punctuation
chars |= set(chr(c) for c in range(0xFF01, 0xFF5F))  # full-width forms
for high in range(0xA1, 0xF8):
    for low in range(0xA1, 0xFF):
        try:
            chars.add(bytes([high, low]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
for path in glob.glob("locales/zh-CN/*.json") + glob.glob("data/cities/*"):
    with open(path, encoding="utf-8") as f:
        chars |= set(f.read())

font = TTCollection(SOURCE).fonts[2]  # Noto Sans CJK SC
options = subset.Options()
options.layout_features = ["kern", "palt", "vert"]
options.name_IDs = ["*"]
options.notdef_outline = True
options.hinting = False
subsetter = subset.Subsetter(options)
subsetter.populate(text="".join(c for c in chars if c.isprintable()))
subsetter.subset(font)
os.makedirs(os.path.dirname(TARGET), exist_ok=True)
font.save(TARGET)
print(TARGET, os.path.getsize(TARGET), "bytes,", len(chars), "characters")
