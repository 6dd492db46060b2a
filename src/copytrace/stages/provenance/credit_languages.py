"""Credit lines of state and wire media in other languages than English.

Each language's patterns name the source the way its press does: Russian
"по материалам РИА Новости", "МОСКВА, 4 дек — РИА Новости."; Chinese
"据新华社报道", "新华社北京12月4日电"; Japanese "共同通信によると",
"【北京＝共同】"; Korean "연합뉴스에 따르면", "(서울=연합뉴스)"; Arabic
"وفقا لوكالة سبوتنيك"; Farsi "به گزارش خبرگزاری تسنیم"; Spanish
"según informó Sputnik"; and the "first appeared on" footers of each.

A name in a script without capitals is taken as the words after an outlet
noun ("وكالة", "خبرگزاری", "агентство") or as a short run before a fixed
phrase ("...によると"): `is_native_outlet` then accepts it when it is a
known agency or ends like an outlet ("...社", "...新闻", "...뉴스").
"""

from __future__ import annotations

import re

# Capitalized words in Latin or Cyrillic script (a name in those languages), up to five, with joiners.
_UP = r"A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁЂЃЄЅІЇЈЉЊЋЌЎЏҐ"
_CAPS = rf"(?:[«\"“„]?[{_UP}0-9][\w'’\-\.&]*[»\"”]?|dpa\b|afp\b|apa\b|epd\b)"
_JOIN = r"(?:de|del|la|le|di|da|do|della|des|du|y|e|i|и|der|die|das|für)"
NAME_CAPS = rf"(?P<name>(?:[a-z0-9][a-z0-9\-]*\.)+[a-z]{{2,6}}\b|{_CAPS}(?:[ \t]+(?:{_JOIN}[ \t]+)?{_CAPS}){{0,4}})"
# A name after an outlet noun: the noun and one to three words (scripts without capitals).
_WORDS = r"[^\s,.:;،؛!?()\"«»“”]+"


# Words that end a name written after its noun ("وكالة رويترز أن ...": "that" is not part of it).
_STOP = r"(?:أن|إن|أنه|عن|في|من|على|إلى|التي|الذي|قال|قالت|که|از|در|به|با|را|این|گفت)(?=[\s,.،]|$)"


def _after(nouns: str, words: int = 2) -> str:
    return (rf"(?P<name>(?:{nouns})[ \t\u200c]+{_WORDS}(?:[ \t\u200c]+(?!{_STOP}){_WORDS}){{0,{words - 1}}})")


# A name running to the end of its clause ("来源：Continental Press").
_CJK_TAIL = r"(?P<name>[\w·・＝=][^\n。，,、)）]{0,40}?)\s*(?=[。，,、)）\n]|$)"
# A short run of Han, Kana, Hangul or Latin letters: a CJK outlet's name.
_CJK = r"(?P<name>[\w·・＝=][\w·・＝= .&\-]{0,30}?)"

# Outlet nouns and known agencies, lower-cased; a name holding one of the nouns (or ending with one of the
# suffixes, for CJK) looks like an outlet.
OUTLET_NOUNS = {
    # ru, uk, sr, bg
    "новости", "новостей", "агентство", "агентства", "агентству", "газета", "газеты", "газете", "телеканал",
    "телеканала", "издание", "издания", "портал", "портала", "радио", "информ", "агенція", "агенції", "агенцији",
    "агенција", "вести", "новини", "новина", "новине", "правда", "известия",
    # es, pt, fr, it, de, pl, tr
    "agencia", "agência", "agence", "agenzia", "agentur", "agencja", "agencji", "ajansı", "ajansi", "ajans",
    "diario", "periódico", "jornal", "journal", "giornale", "quotidiano", "zeitung", "gazeta", "gazety",
    "gazetesi", "dziennik", "dziennika", "noticias", "notícias", "nouvelles", "notizie", "nachrichten",
    "wiadomości", "haber", "haberleri", "televisión", "televisão", "télévision", "televisione", "fernsehen",
    "telewizja", "radyo", "presse", "prensa", "imprensa", "stampa", "tagesschau", "spiegel",
    # ar, fa
    "وكالة", "لوكالة", "صحيفة", "لصحيفة", "قناة", "لقناة", "موقع", "لموقع", "خبرگزاری", "روزنامه",
    "پایگاه", "شبکه", "سایت", "تلویزیون",
}
NATIVE_WIRES = {
    "риа новости", "тасс", "интерфакс", "спутник", "ria novosti", "рт", "russia today", "укрінформ",
    "уніан", "танјуг", "бета", "спутник србија", "новости", "ведомости", "коммерсантъ", "известия", "лента.ру",
    "新华社", "新華社", "中新社", "中新网", "人民网", "人民日报", "央视新闻", "环球时报", "环球网", "路透社",
    "法新社", "美联社", "共同社", "共同通信", "時事通信", "nhk", "朝日新聞", "読売新聞", "産経新聞", "共同",
    "연합뉴스", "연합", "뉴시스", "kbs", "sbs", "mbc", "조선일보", "중앙일보", "동아일보", "스푸트니크",
    "رويترز", "سبوتنيك", "فرانس برس", "الأناضول", "إرنا", "ایرنا", "ایسنا", "فارس", "تسنیم", "مهر", "سانا",
    "anadolu ajansı", "aa", "trt", "efe", "agencia efe", "lusa", "agência lusa", "ansa", "afp", "dpa", "pap",
    "sputnik", "rt", "reuters", "xinhua", "tass", "itar-tass", "bta", "tanjug", "beta",
}
CJK_OUTLET_SUFFIXES = ("社", "网", "網", "报", "報", "新闻", "新聞", "通信", "电视台", "電視台", "放送", "뉴스",
                       "신문", "통신", "일보", "방송", "tv")
_ARABIC_PREFIXES = ("ل", "و", "ب")


def is_native_outlet(name: str) -> bool:
    """A known agency in its own language, or a name holding an outlet noun or ending like a CJK outlet."""
    lowered = re.sub(r"\s+", " ", name.strip().lower().strip("«»\"“”„"))
    if lowered in NATIVE_WIRES or any(lowered.endswith(s) for s in CJK_OUTLET_SUFFIXES):
        return True
    words = re.split(r"[ \t\u200c\-]+", lowered)
    for word in words:
        bare = word.strip("«»\"“”„")
        if bare in OUTLET_NOUNS or bare in NATIVE_WIRES:
            return True
        if bare[:1] in _ARABIC_PREFIXES and bare[1:] in NATIVE_WIRES:
            return True
    return len(words) <= 2 and lowered.lstrip("".join(_ARABIC_PREFIXES)) in NATIVE_WIRES


def strip_outlet_noun(name: str) -> str:
    """`name` without a leading outlet noun ("وكالة رويترز" -> "رويترز"), if anything is left."""
    words = name.split()
    if len(words) > 1 and words[0].lower() in OUTLET_NOUNS and not words[0].isupper():
        return " ".join(words[1:])
    return name


def _language_patterns(p, feed_footer: str) -> dict[str, list]:
    """The patterns of each language; `p` is credit._p (kind, regex, role, flags, hints=..., starts=...)."""
    i = re.IGNORECASE
    dash = r"[ \t]*[-–—]"
    # "МОСКВА, 4 дек — РИА Новости." / "КИЇВ. 4 грудня. УНІАН." / "BEIJING, 4 dic (Xinhua) --"
    cyr_dateline = p("dateline", rf"^[ \t]*[{_UP}][{_UP}\- ]{{2,30}}[,.][^\n]{{0,30}}?(?:[-–—]|\.)[ \t]*"
                                 rf"(?P<name>[{_UP}][\w\-]*(?:[ \t]+[{_UP}][\w\-]*){{0,2}})\.(?=\s)")
    paren_dateline = p("dateline", rf"^[ \t]*[{_UP}][{_UP}\- ,.0-9\w]{{0,40}}?\((?P<name>[^()\n]{{2,40}})\)"
                                   rf"[ \t]*(?:[-–—]+|\.)", hints=("(",))
    rus = [
        p(feed_footer, r"(?:Сообщение|Запись|Пост)\b.{1,400}?\bпоявил(?:ось|ась|ся)\s+сначала\s+на\s+" + NAME_CAPS,
          "self", re.S | i, hints=("сначала на",)),
        p("according_to", r"\b(?:[Пп]о\s+(?:материалам|данным|сообщению|информации|словам)|[Сс]о\s+ссылкой\s+на|"
                          r"[Кк]ак\s+(?:сообщает|сообщило|сообщил|передает|передаёт|пишет|отмечает))\s+"
                          r"(?:(?:агентства|агентство|издания|издание|газеты|газета|телеканала|телеканал|портала)\s+)?"
                          + NAME_CAPS, hints=("материалам", "данным", "сообщ", "информации", "ссылкой", "передает",
                                              "передаёт", "пишет", "отмечает")),
        p("reports", NAME_CAPS + r"[ \t]+(?:сообщает|сообщило|сообщил|передает|передаёт|пишет)\b",
          hints=("сообщ", "переда", "пишет")),
        p("source", r"^[ \t]*(?:[Ии]сточник|ИСТОЧНИК)\s*[:\-–—]\s*" + NAME_CAPS, hints=("источник",)),
        p("originally", r"\b(?:[Вв]первые\s+опубликовано|[Оо]ригинал\s+(?:статьи\s+)?(?:опубликован|на\s+сайте))"
                        r"\s+(?:на\s+(?:сайте\s+)?|в\s+)?" + NAME_CAPS, hints=("впервые", "оригинал")),
        cyr_dateline, paren_dateline,
    ]
    ukr = [
        p(feed_footer, r"(?:Публікація|Запис|Допис)\b.{1,400}?\bз'?явил(?:ась|ося|ся)\s+спочатку\s+на\s+" + NAME_CAPS,
          "self", re.S | i, hints=("спочатку на",)),
        p("according_to", r"\b(?:[Зз]а\s+(?:матеріалами|даними|повідомленням|інформацією|словами)|[Пп]осилаючись\s+на|"
                          r"[Яя]к\s+(?:повідомляє|повідомило|передає|пише))\s+"
                          r"(?:(?:агентства|агенції|видання|газети|телеканалу)\s+)?" + NAME_CAPS,
          hints=("матеріалами", "даними", "повідомл", "інформацією", "посилаючись", "передає", "пише")),
        p("reports", NAME_CAPS + r"[ \t]+(?:повідомляє|повідомило|передає|пише)\b", hints=("повідом", "передає", "пише")),
        p("source", r"^[ \t]*(?:[Дд]жерело)\s*[:\-–—]\s*" + NAME_CAPS, hints=("джерело",)),
        cyr_dateline, paren_dateline,
    ]
    srp = [  # Cyrillic and Latin Serbian
        p("according_to", r"\b(?:[Пп]рема\s+(?:писању|извештају|наводима|подацима)|[Кк]ако\s+(?:преноси|јавља|пише|"
                          r"наводи)|[Pp]rema\s+(?:pisanju|izveštaju|navodima|podacima)|[Kk]ako\s+(?:prenosi|javlja|"
                          r"piše|navodi))\s+(?:(?:агенција|агенције|листа|агенцијa|agencija|agencije|lista)\s+)?"
          + NAME_CAPS, hints=("према", "како", "prema", "kako")),
        p("source", r"^[ \t]*(?:[Ии]звор|[Ii]zvor)\s*[:\-–—]\s*" + NAME_CAPS, hints=("извор", "izvor")),
        p("reports", NAME_CAPS + r"[ \t]+(?:јавља|преноси|javlja|prenosi)\b", hints=("јавља", "преноси", "javlja",
                                                                                   "prenosi")),
        cyr_dateline, paren_dateline,
    ]
    zh = [
        p(feed_footer, r"(?:本文|文章)[^\n]{0,200}?(?:最早|首发|首先)(?:发表|发布|發表|發布)?于" + _CJK + r"(?=[。，,\s]|$)",
          "self", hints=("首发", "最早", "首先")),
        p("according_to", r"(?:据|據|根据|根據)" + _CJK + r"(?:报道|報導|報道|消息|援引|称|稱)", hints=("据", "據", "根")),
        p("reports", r"(?:来源|來源|稿源|转载自|轉載自|转自|轉自|本文来自|本文來自)\s*[:：]?\s*" + _CJK_TAIL, hints=("来源", "來源", "稿源", "转", "轉", "本文来")),
        p("dateline", r"(?P<name>新华社|新華社|中新社|中新网|中新網|人民网|人民網|央视网|央視網|路透社|法新社|美联社|美聯社)"
                      r"[^\n，。]{0,14}?(?:电|電)", hints=("电", "電")),
        p("dateline", r"(?:【|\[|（|\()[^\n】\]）)]{0,12}?[=＝/／](?P<name>[^\n】\]）)]{2,40})(?:】|\]|）|\))",
          hints=("=", "＝", "/", "／")),
    ]
    ja = [
        p("according_to", r"(?:(?<=[、。\s])|^)" + _CJK + r"(?:によると|によれば|の報道によると|が報じた|が伝えた|は伝えた)",
          hints=("によると", "によれば", "報じた", "伝えた")),
        p("source", r"(?:出典|出所|ソース|配信元)\s*[:：]\s*" + _CJK_TAIL, hints=("出典", "出所", "ソース",
                                                                                         "配信元")),
        p("originally", r"(?:この記事は|本記事は)" + _CJK + r"(?:に最初に掲載|で最初に公開|から転載|より転載)",
          hints=("最初に", "転載")),
        p("dateline", r"(?:【|\[|（|\()[^\n】\]）)]{0,12}?[=＝](?P<name>[^\n】\]）)]{2,40})(?:】|\]|）|\))",
          hints=("=", "＝")),
    ]
    ko = [
        p("according_to", r"(?P<name>[\w][\w .&\-]{1,30}?)(?:에\s*따르면|이\s*보도했다|가\s*보도했다|은\s*보도했다|는\s*보도했다|이\s*전했다|"
                          r"가\s*전했다|은\s*전했다|는\s*전했다)", hints=("따르면", "보도했다", "전했다")),
        p("source", r"(?:출처|자료)\s*[:：]\s*" + _CJK_TAIL,
          hints=("출처", "자료")),
        p("dateline", r"\([^\n)]{0,12}?=(?P<name>[^\n)]{2,40})\)", hints=("=",)),
    ]
    ar = [
        p("according_to", r"(?:وفقا|وفقاً|طبقا|طبقاً|نقلا\s+عن|نقلاً\s+عن|حسب|بحسب|حسبما\s+(?:ذكرت|أفادت|نقلت))\s*"
          + _after("لوكالة|لصحيفة|لقناة|لموقع|وكالة|صحيفة|قناة|موقع|ل?رويترز|ل?سبوتنيك|ل?الأناضول"),
          hints=("وفق", "طبق", "نقل", "حسب")),
        p("reports", r"(?:ذكرت|أفادت|نقلت|أوردت|قالت)\s+" + _after("وكالة|صحيفة|قناة|موقع"),
          hints=("ذكرت", "أفادت", "نقلت", "أوردت", "قالت")),
        p("source", r"^[ \t]*(?:المصدر|مصدر)\s*[:：\-–—]\s*(?P<name>[^\n]{2,40}?)\s*$", hints=("مصدر",)),
        p(feed_footer, r"ظهر[ت]?\s+(?:المقالة|المقال|التدوينة)\b.{1,400}?\s+أولاً\s+على\s+(?P<name>[^\n.]{2,40})",
          "self", re.S, hints=("أولا",)),
    ]
    fa = [
        p("according_to", r"(?:به\s+گزارش|به\s+نقل\s+از|بنا\s+بر\s+گزارش|طبق\s+گزارش)\s*"
          + _after(r"خبرگزاری|روزنامه|پایگاه\s+خبری|پایگاه|شبکه|سایت|ایرنا|ایسنا|تسنیم|فارس|مهر", 2),
          hints=("گزارش", "نقل")),
        p("source", r"^[ \t]*منبع\s*[:：\-–—]\s*(?P<name>[^\n]{2,40}?)\s*$", hints=("منبع",)),
    ]
    tr = [
        p("according_to", r"\b" + NAME_CAPS + r"['’](?:n[ıiuü]n|[ıiuü]n)\s+(?:haberine|aktardığına|bildirdiğine)\s+göre",
          hints=("göre",)),
        p("reports", NAME_CAPS + r"[ \t]+(?:bildirdi|aktardı|duyurdu)\b", hints=("bildirdi", "aktardı", "duyurdu")),
        p("source", r"^[ \t]*(?:[Kk]aynak)\s*[:\-–—]\s*" + NAME_CAPS, hints=("kaynak",)),
        p(feed_footer, r"\bYazı\b.{1,400}?\bilk\s+olarak\s+" + NAME_CAPS + r"\s+(?:sitesinde|üzerinde)\s+yayınlandı",
          "self", re.S, hints=("ilk olarak",)),
        paren_dateline,
    ]
    romance = {  # es, pt, fr, it, de, pl: (according to, source label, first published on, "X reports", hints)
        "es": (r"[Ss]egún(?:[ \t]+(?:informó|informa|publicó|reportó|indicó))?(?:[ \t]+(?:la[ \t]+agencia|el[ \t]+diario|"
               r"el[ \t]+periódico|el[ \t]+portal))?",
               r"[Ff]uente", r"(?:[Pp]ublicado\s+originalmente\s+en|apareció\s+primero\s+en|se\s+publicó\s+primero\s+en)",
               r"(?:informó|informa|reportó|publicó)",
               ("según", "fuente", "originalmente", "primero en", "informó", "informa", "reportó", "publicó")),
        "pt": (r"(?:[Ss]egundo|[Dd]e[ \t]+acordo[ \t]+com|[Cc]onforme[ \t]+(?:informou|noticiou))(?:[ \t]+(?:a[ \t]+agência|"
               r"o[ \t]+jornal|o[ \t]+portal|a|o))?",
               r"[Ff]onte", r"(?:[Pp]ublicado\s+originalmente\s+(?:em|no|na)|apareceu\s+primeiro\s+(?:em|no|na))",
               r"(?:informou|noticiou|relatou)",
               ("segundo", "acordo", "conforme", "fonte", "originalmente", "primeiro", "informou", "noticiou", "relatou")),
        "fr": (r"(?:[Ss]elon|[Dd]'après|[Dd]’après|[Rr]apporte)(?:[ \t]+(?:l'agence|l’agence|le[ \t]+journal|le[ \t]+quotidien|"
               r"le[ \t]+site))?",
               r"[Ss]ource", r"(?:[Pp]ublié\s+(?:initialement|d'abord|à\s+l'origine)\s+(?:sur|par|dans)|"
                             r"est\s+apparu\s+en\s+premier\s+sur)",
               r"(?:rapporte|a[ \t]+rapporté|indique|a[ \t]+indiqué)",
               ("selon", "après", "source", "publié", "premier sur", "rapport", "indiqu")),
        "it": (r"(?:[Ss]econdo(?:[ \t]+quanto[ \t]+riportato[ \t]+da)?|[Cc]ome[ \t]+riporta)(?:[ \t]+(?:l'agenzia|l’agenzia|"
               r"il[ \t]+quotidiano|il[ \t]+sito))?",
               r"[Ff]onte", r"(?:[Pp]ubblicato\s+originariamente\s+(?:su|da)|è\s+apparso\s+per\s+la\s+prima\s+volta\s+su)",
               r"(?:riporta|ha[ \t]+riportato|riferisce)",
               ("secondo", "riporta", "fonte", "originariamente", "prima volta", "riferisce")),
        "de": (r"(?:[Ww]ie|[Ll]aut)(?:[ \t]+(?:der|die|das))?(?:[ \t]+(?:Nachrichtenagentur|Agentur|Zeitung|Magazin|Sender))?",
               r"[Qq]uelle", r"(?:[Zz]uerst\s+(?:veröffentlicht|erschienen)\s+(?:auf|bei|in))",
               r"(?:berichtet|berichtete|meldet|meldete)",
               ("wie", "laut", "quelle", "zuerst", "bericht", "meldet")),
        "pl": (r"(?:[Ww]edług|[Jj]ak[ \t]+(?:podaje|podała|informuje|poinformowała))(?:[ \t]+(?:agencji|agencja|dziennika|"
               r"portalu|portal))?",
               r"[Źź]ródło", r"(?:[Pp]ierwotnie\s+opublikowano\s+(?:na|w)|[Tt]ekst\s+ukazał\s+się\s+pierwotnie\s+(?:na|w))",
               r"(?:podaje|podała|informuje|poinformowała)",
               ("według", "jak", "źródło", "pierwotnie", "podaje", "podała", "informuje")),
    }
    out = {"ru": rus, "uk": ukr, "sr": srp, "zh": zh, "ja": ja, "ko": ko, "ar": ar, "fa": fa, "tr": tr}
    for code, (according, source, originally, verbs, hints) in romance.items():
        out[code] = [
            p("according_to", rf"(?:{according})[ \t]+" + NAME_CAPS, hints=hints),
            p("source", rf"^[ \t]*{source}\s*[:\-–—]\s*" + NAME_CAPS, hints=hints),
            p("originally", rf"\b{originally}\s+" + NAME_CAPS, hints=hints),
            p("reports", NAME_CAPS + rf"[ \t]+{verbs}\b", hints=hints),
            paren_dateline,
        ]
    return out
