"""Generic chrome patterns in plain text: player, share, navigation, comment, subscription, cookie and
advertising lines, bare timestamps, photo credits and copyright notices (`pattern_reason`).

Most lines of a corpus are article text and match none: the tests are
ordered so that such a line is ruled out by substring tests on its
casefolded text, before any regex pass or spacing fold.
"""

from __future__ import annotations

import re

_WORDS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")

_SHARE_WORDS = frozenset(
    "get short url link copy share this article story post page on via facebook twitter x telegram "
    "whatsapp viber email e mail print tweet pin it linkedin reddit vk ok flipboard messenger "
    "save bookmark send to friend".split()
)
_NAV_LINES = frozenset(
    """home|menu|search|skip to content|skip to main content|back to top|top|next|previous|next article
    |previous article|next story|previous story|next post|previous post|read more|read next|more|related
    |related articles|related stories|related news|related posts|related content|more from|more stories
    |more news|most read|most popular|most viewed|trending|trending now|popular|you may also like
    |you might also like|recommended|recommended for you|sponsored|sponsored content|promoted
    |advertisement|advertising|ad|ads|loading|close|log in|login|sign in|sign up|register|subscribe
    |newsletter|follow us|latest|latest news|top stories|see also|also read|read also|watch more
    |show more|load more|continue reading|tags|topics|categories|share|comments|all rights reserved""".split("|")
)
# The same lines in the languages of state and wire media (ru uk sr zh ja ko ar fa tr es pt fr de it pl).
_NAV_LINES |= frozenset(
    """читать также|читайте также|читать далее|читать еще|читать ещё|подробнее|по теме|еще по теме|ещё по теме
    |новости по теме|похожие новости|поделиться|комментарии|подписаться|главное|последние новости|реклама
    |читайте також|читати далі|детальніше|за темою|новини за темою|поділитися|коментарі|підписатися
    |прочитајте још|опширније|повезане вести|подели|коментари|pročitajte još|opširnije|povezane vesti|podeli
    |相关新闻|相关阅读|相关文章|延伸阅读|阅读更多|更多|分享|分享到|评论|订阅|責任編輯|责任编辑|相關新聞|延伸閱讀|閱讀更多
    |関連記事|関連ニュース|続きを読む|もっと読む|シェア|コメント|広告|관련기사|관련 기사|더보기|공유|공유하기|댓글|구독|광고
    |اقرأ أيضا|اقرأ أيضاً|اقرأ المزيد|أخبار ذات صلة|مواضيع ذات صلة|شارك|مشاركة|تعليقات|اشترك|إعلان
    |بیشتر بخوانید|بخوانید|اخبار مرتبط|مطالب مرتبط|اشتراک گذاری|اشتراک‌گذاری|نظرات|تبلیغات
    |devamını oku|ilgili haberler|i̇lgili haberler|benzer haberler|paylaş|yorumlar|abone ol|reklam
    |leer más|lee también|lea también|noticias relacionadas|relacionado|compartir|comentarios|suscríbete|publicidad
    |leia mais|leia também|notícias relacionadas|compartilhar|partilhar|comentários|assine|publicidade
    |lire aussi|lire la suite|à lire aussi|articles similaires|sur le même sujet|partager|commentaires|s'abonner|publicité
    |weiterlesen|mehr zum thema|auch interessant|das könnte sie auch interessieren|teilen|kommentare|abonnieren|anzeige
    |leggi anche|leggi di più|articoli correlati|potrebbe interessarti|condividi|commenti|iscriviti|pubblicità
    |czytaj także|czytaj też|czytaj więcej|zobacz także|powiązane artykuły|udostępnij|komentarze|subskrybuj|reklama""".split("|")
)
_NAV_LINES = frozenset(" ".join(entry.split()) for entry in _NAV_LINES)  # the wrapped lines' indents are not part of a name
_NAV_STRIP = " :|•·-–—>»›：…"
# (reason, words one of which the line must hold, pattern): the words spare most lines the regex.
_PATTERNS: tuple[tuple[str, tuple[str, ...], re.Pattern], ...] = (
    ("player", ("listen", "play", "watch", "player", "radio", ":"), re.compile(
        r"^(?:listen live|listen now|listen to (?:this|the) (?:article|story)|play(?: video| audio)?|now playing"
        r"|watch(?: the)? (?:video|live)|audio player|video player|live radio|\d{1,2}:\d{2} ?/ ?\d{1,2}:\d{2})$")),
    ("comments", ("comment", "discussion", "community", "leave a", "conversation"), re.compile(
        r"^(?:(?:community standards|discussion|comments?|\d+ comments?|leave a (?:comment|reply)"
        r"|add (?:a|your) comment|post a comment|join the (?:discussion|conversation)|log ?in to comment"
        r"|show comments|view comments|comment via [a-z]+?)\s*)+$")),
    ("subscription", ("never miss", "sign", "subscribe", "join", "follow us", "newsletter", "speed", "download", "notification"), re.compile(
        r"never miss a (?:story|thing|post)|(?:sign ?up|subscribe) (?:to|for) our"
        r"|(?:sign ?up|subscribe) (?:to|for) the (?:\w+ )?(?:newsletter|channel|podcast)"
        r"|join (?:us on|our) (?:telegram|whatsapp|facebook|twitter)|follow us on|get (?:our|the) newsletter"
        r"|keep you up ?to speed|download (?:our|the) app|turn on notifications")),
    # The same in other languages: "Подписывайтесь на наш канал в Telegram", "Suscríbete a nuestro boletín", ...
    ("subscription", ("подпис", "підпис", "订阅", "訂閱", "关注我们", "登録", "구독", "اشترك", "تابعونا", "عضو کانال",
                      "abone", "suscríb", "suscrib", "assine", "inscreva", "abonnez", "abonnieren", "iscriviti",
                      "subskrybuj", "zapisz się", "pratite nas", "пратите нас"), re.compile(
        r"подписывайтесь на (?:наш|нас)|подпишитесь на (?:наш|нас)|підписуйтесь на (?:наш|нас)|пратите нас на"
        r"|pratite nas na|订阅我们|訂閱我們|关注我们的|チャンネル登録|メルマガ登録|구독하기|구독해 주세요|اشترك في|تابعونا على"
        r"|عضو کانال .{1,40} شوید|abone ol|bültenimize|suscríbete a|suscribirse a|assine (?:a|o|nossa|nosso)"
        r"|inscreva-se|abonnez-vous|abonnieren sie|iscriviti (?:alla|al) |subskrybuj|zapisz się (?:do|na)")),
    ("cookie notice", ("cookie",), re.compile(
        r"we use cookies|(?:site|website) uses cookies|accept (?:all )?cookies|cookie (?:policy|settings)")),
)
_PHOTO = re.compile(
    r"©|\(c\)\s*\d{4}|^(?:photo|image|picture|video|credit|photograph|illustration)s?\s*(?::|by\b|credit)"
    r"|\b(?:photo|image)s? by\b|/\s*(?:getty images|afp|reuters|ap|epa|sputnik|tass|shutterstock)\b(?!/)",  # not TASS's dateline /TASS/.
    re.IGNORECASE,
)
_PHOTO_CLUES = ("©", "(c)", "photo", "image", "picture", "video", "credit", "illustration", "/")
_AGENCY = re.compile(
    r"\b(?:afp|reuters|ap|epa|getty|sputnik|tass|ria novosti|xinhua|anadolu|shutterstock|istock|alamy|photo|image|pool)\b",
    re.IGNORECASE,
)
_TIME_WORDS = frozenset(
    "gmt utc bst cet cest msk est edt pst pdt am pm updated published posted last modified on at "
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august "
    "september october november december mon tue wed thu fri sat sun monday tuesday wednesday thursday "
    "friday saturday sunday today yesterday ago min mins minute minutes hour hours day days".split()
)


_DIGIT = re.compile(r"\d")
_CLOCK = re.compile(r"\d{1,2}:\d{2}|\d{4}-\d{2}-\d{2}")


def _is_timestamp(text: str) -> bool:
    """A line that is nothing but a date or time ('14:31 GMT +317 October 2019')."""
    if len(text) > 80 or not _DIGIT.search(text):
        return False
    words = [w.casefold() for w in _WORDS.findall(text)]
    clock = _CLOCK.search(text)
    return (bool(words) or bool(clock)) and all(w in _TIME_WORDS for w in words)


# Cheap necessary conditions for each pattern, so that most lines (article text) skip the regexes:
# player lines are whole short phrases; comment lines start with one of these; the others need a clue.
_PLAYER_MAX = 32
_COMMENT_STARTS = ("community standards", "discussion", "comment", "leave a", "add ", "post a", "join the", "log",
                   "show comments", "view comments")


# The clues of the patterns that can match inside a line ending like a sentence.
_SENTENCE_LINE_CLUES = tuple(sorted({clue for reason, clues, _ in _PATTERNS if reason in ("subscription", "cookie notice")
                                     for clue in clues} | set(_PHOTO_CLUES)))


def _holds_any(needles: tuple[str, ...]):
    """A test whether a string holds one of `needles` (a plain loop: as quick as one `or` expression, and
    quicker than any() over a generator; this runs on most lines of a corpus)."""
    def holds(text: str, needles=needles) -> bool:
        for needle in needles:
            if needle in text:
                return True
        return False

    return holds


def _first_words(clues) -> tuple[str, ...]:
    """What a line's casefolded text (spacing not folded) must hold if its folded text holds one of `clues`."""
    words = {clue.split()[0] for clue in clues}
    return tuple(sorted(w for w in words if not any(o != w and o in w for o in words)))


# First words of the clues: of patterns that can match anywhere (and photo credits), of player lines
# (at most _PLAYER_MAX characters), of comment lines (starting with a _COMMENT_STARTS word or a digit).
_holds_open_clue_word = _holds_any(_first_words(
    {clue for reason, clues, _ in _PATTERNS if reason not in ("player", "comments") for clue in clues} | set(_PHOTO_CLUES)))
_holds_player_word = _holds_any(_first_words(next(clues for reason, clues, _ in _PATTERNS if reason == "player")))
_holds_comment_word = _holds_any(_first_words(next(clues for reason, clues, _ in _PATTERNS if reason == "comments")))
_COMMENT_FIRST_WORDS = tuple(sorted({start.split()[0] for start in _COMMENT_STARTS}))
_holds_sentence_clue_word = _holds_any(_first_words(_SENTENCE_LINE_CLUES))
_NAV_STRIP_SPACE = _NAV_STRIP + "".join(chr(c) for c in range(0x3000 + 1) if chr(c).isspace())
_NAV_WORDS = max(len(entry.split()) for entry in _NAV_LINES)


_CLUE_TESTS = tuple((reason, _holds_any(clues), pattern) for reason, clues, pattern in _PATTERNS)
_holds_photo_clue = _holds_any(_PHOTO_CLUES)


def _clued(folded: str) -> list[tuple[str, re.Pattern]]:
    """The patterns, in order, whose cheap condition `folded` meets (only these can match it)."""
    found = []
    for reason, holds, pattern in _CLUE_TESTS:
        if reason == "player":
            possible = len(folded) <= _PLAYER_MAX
        elif reason == "comments":
            possible = folded.startswith(_COMMENT_STARTS) or folded[:1].isdigit()
        else:
            possible = True
        if possible and holds(folded):
            found.append((reason, pattern))
    return found


def pattern_reason(text: str) -> str | None:
    """The generic chrome pattern a line matches, if any.

    Cheap tests first: the words of a line (a regex pass) are found only
    when some pattern matches, its folded spacing only when it holds a
    clue's first word (most lines are article text).
    """
    stripped = text.strip()
    size = len(stripped)
    if size > 320 or not size:  # chrome lines are short; a paragraph is not
        return None
    return _pattern_reason(stripped)


def _pattern_reason(stripped: str) -> str | None:
    """pattern_reason of a stripped line of 1 to 320 characters."""
    size = len(stripped)
    sentence = stripped[-1] in ".!?"
    cased = stripped.casefold()
    folded = None
    if size > 80 and sentence:
        # A sentence-like line (most of an article): too long for a timestamp, and its end rules out
        # navigation, share and the anchored patterns; without a clue of the others it is not chrome.
        if not _holds_sentence_clue_word(cased):
            return None
        folded = " ".join(cased.split())
        if not any(clue in folded for clue in _SENTENCE_LINE_CLUES):
            return None
    words = None
    reason = None
    # Navigation: the folded text without its edges' separators is a navigation line (of few words).
    core = cased.strip(_NAV_STRIP_SPACE).split(None, _NAV_WORDS)
    if len(core) <= _NAV_WORDS and " ".join(core) in _NAV_LINES:
        reason = "chrome: navigation"
    if reason is None and not sentence:
        first = _WORDS.search(stripped)
        if first is not None and first.group().casefold() in _SHARE_WORDS:
            words = _WORDS.findall(stripped)
            if len(words) <= 8 and all(w.casefold() in _SHARE_WORDS for w in words):
                reason = "chrome: share"
    clued = reason is None and (
        _holds_open_clue_word(cased)
        or _holds_player_word(cased) and (size <= _PLAYER_MAX or len(" ".join(cased.split())) <= _PLAYER_MAX)
        or (cased.startswith(_COMMENT_FIRST_WORDS) or cased[:1].isdigit()) and _holds_comment_word(cased))
    if clued:
        folded = folded if folded is not None else " ".join(cased.split())
        for name, pattern in _clued(folded):
            if pattern.search(folded):
                reason = f"chrome: {name}"
                break
    if reason is None and size <= 80 and _is_timestamp(stripped):
        reason = "chrome: timestamp"
    if reason is None and clued and _holds_photo_clue(folded):
        words = words if words is not None else _WORDS.findall(stripped)
        if len(words) <= 20 and _PHOTO.search(stripped):
            reason = "photo credit" if _AGENCY.search(stripped) else "copyright notice"
    if reason is None:
        return None
    # Any pattern is for short lines: one of more than 40 words is text that mentions it.
    words = words if words is not None else _WORDS.findall(stripped)
    return reason if len(words) <= 40 else None
