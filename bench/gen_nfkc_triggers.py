"""Regenerate src/copytrace/_nfkc_triggers.py from the tokenizer's separators."""
import sys, unicodedata
sys.path.insert(0,'src')
from copytrace.text.tokens import _is_separator
sep = _is_separator.py_func
def word(s): return any(not sep(ord(ch)) for ch in s)
# Marks that canonically compose with a preceding character: only these can
# change a word under NFKC composition (most Arabic harakat, for one, do not).
composing = set()
for c in range(0x80, 0x110000):
    d = unicodedata.decomposition(chr(c))
    if d and not d.startswith("<"):
        parts = d.split()
        if len(parts) == 2:
            composing.add(int(parts[1], 16))
trig=[]
for c in range(0x80, 0x110000):
    if 0xD800 <= c <= 0xDFFF: continue
    ch=chr(c)
    n=unicodedata.normalize('NFKC', ch)
    hit = c in composing or 0x1160 <= c <= 0x11FF or (n != ch and (not sep(c) or word(n)))
    if hit: trig.append(c)
ranges=[]
for c in trig:
    if ranges and ranges[-1][1]==c-1: ranges[-1][1]=c
    else: ranges.append([c,c])
print(len(trig), len(ranges))
body = ",\n".join("    (0x%X, 0x%X)" % (a, b) for a, b in ranges)
header = open("src/copytrace/_nfkc_triggers.py").read().split("NFKC_TRIGGER_RANGES = (")[0]
footer = "\n\n# " + open("src/copytrace/_nfkc_triggers.py").read().split(",\n)\n\n\n# ", 1)[1]
with open("src/copytrace/_nfkc_triggers.py", "w") as f:
    f.write(header + "NFKC_TRIGGER_RANGES = (\n" + body + ",\n)\n" + footer)
