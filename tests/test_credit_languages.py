"""Credit lines, datelines and feed footers in the languages of state and wire media (issue 15), their
chrome lines, and the document language that selects them."""

import pytest

from copytrace.stages.clean.patterns import pattern_reason
from copytrace.stages.provenance.credit import find_credits
from copytrace.stages.provenance.mentions import document_mentions
from copytrace.text.lang import detect, languages_for

# (language, sentence as such outlets write it, kind, credited name)
CREDITS = [
    ("ru", "По материалам РИА Новости, переговоры в Женеве продолжатся на следующей неделе.", "according_to",
     "РИА Новости"),
    ("ru", "МОСКВА, 4 дек — РИА Новости. Президент России провел совещание с членами правительства.", "dateline",
     "РИА Новости"),
    ("ru", "Как сообщает ТАСС, министр иностранных дел прибыл в Анкару.", "according_to", "ТАСС"),
    ("uk", "За даними Укрінформ, уряд ухвалив нове рішення щодо енергетики.", "according_to", "Укрінформ"),
    ("sr", "Према писању агенције Танјуг, министар је потписао споразум.", "according_to", "Танјуг"),
    ("sr", "Kako prenosi Sputnik Srbija, sastanak je održan u Beogradu.", "according_to", "Sputnik Srbija"),
    ("zh", "据新华社报道，中国卫生官员表示，新增病例数量有所下降。", "according_to", "新华社"),
    ("zh", "新华社北京12月4日电 国务院总理主持召开国务院常务会议。", "dateline", "新华社"),
    ("zh", "据中新网报道，当地政府已启动应急预案。", "according_to", "中新网"),
    ("ja", "共同通信によると、首相は4日、記者団に対し方針を説明した。", "according_to", "共同通信"),
    ("ja", "【北京＝共同】中国外務省の報道官は4日の記者会見で述べた。", "dateline", "共同"),
    ("ko", "연합뉴스에 따르면 정부는 4일 새로운 대책을 발표했다.", "according_to", "연합뉴스"),
    ("ko", "(서울=연합뉴스) 정부는 4일 새로운 대책을 발표했다.", "dateline", "연합뉴스"),
    ("ko", "Meridian News에 따르면 정부는 4일 새로운 대책을 발표했다.", "according_to", "Meridian News"),
    ("ko", "(서울=Continental Press) 정부는 4일 새로운 대책을 발표했다.", "dateline", "Continental Press"),
    ("ja", "【東京＝Continental Press】政府は4日、新たな対策を発表した。", "dateline", "Continental Press"),
    ("ar", "وفقا لوكالة سبوتنيك، قال الوزير إن المحادثات ستستمر الأسبوع المقبل.", "according_to", "سبوتنيك"),
    ("ar", "ذكرت وكالة رويترز أن الاجتماع انتهى دون اتفاق.", "reports", "رويترز"),
    ("fa", "به گزارش خبرگزاری تسنیم، وزیر امور خارجه امروز به مسکو سفر کرد.", "according_to", "تسنیم"),
    ("tr", "Anadolu Ajansı'nın haberine göre bakan, Ankara'da açıklama yaptı.", "according_to", "Anadolu Ajansı"),
    ("es", "Según informó Sputnik, el ministro de Exteriores llegó a Caracas el lunes.", "according_to", "Sputnik"),
    ("es", "Según la agencia EFE, el gobierno aprobará la reforma en enero.", "according_to", "EFE"),
    ("pt", "Segundo a agência Lusa, o ministro chegou a Luanda na segunda-feira.", "according_to", "Lusa"),
    ("fr", "Selon l'agence AFP, le ministre a quitté Paris lundi soir.", "according_to", "AFP"),
    ("de", "Wie die Nachrichtenagentur dpa berichtet, reist der Kanzler am Montag nach Paris.", "according_to", "dpa"),
    ("it", "Secondo l'agenzia ANSA, il ministro ha lasciato Roma lunedì.", "according_to", "ANSA"),
    ("pl", "Według agencji PAP minister spraw zagranicznych przyjechał do Kijowa.", "according_to", "PAP"),
]


@pytest.mark.parametrize("lang, sentence, kind, name", CREDITS)
def test_credit_lines_in_other_languages(lang, sentence, kind, name):
    text = sentence + "\n\n" + "Второй абзац статьи." if lang in ("ru", "uk", "sr") else sentence + "\n\nMore."
    credits = find_credits(text, languages=("en", lang))
    assert [(c.kind, c.name) for c in credits] == [(kind, name)]
    assert credits[0].text in sentence and len(credits[0].text) <= len(sentence)


@pytest.mark.parametrize("lang, sentence, kind, name", CREDITS)
def test_the_document_language_picks_the_patterns(lang, sentence, kind, name):
    row = {"text": sentence + "\n\n" + sentence}  # no language given: detected from the text
    assert name in [c.name for c in document_mentions(row, ("en",)) if c.role == "credit"]


@pytest.mark.parametrize("lang, sentence", [
    ("ru", "По словам Лаврова, переговоры продолжатся."),  # a person, not an outlet
    ("ru", "Как сообщает источник в правительстве, решение принято."),
    ("zh", "据了解，会议将于下周举行。"),
    ("es", "Según el ministro, las conversaciones seguirán."),
    ("de", "Wie der Minister sagte, gehen die Gespräche weiter."),
    ("ar", "وفقا للوزير، ستستمر المحادثات."),
    ("ja", "関係者によると、会議は来週開かれる。"),
])
def test_no_credit_to_people_or_vague_sources(lang, sentence):
    assert find_credits(sentence, languages=("en", lang)) == []


def test_english_scans_are_unchanged_by_the_other_languages():
    text = "Según informó Sputnik, the minister left. 据新华社报道 nothing."
    assert find_credits(text) == []  # English rules alone, as before


@pytest.mark.parametrize("text, lang", [
    ("Переговоры в Женеве продолжатся на следующей неделе, сообщил министр.", "ru"),
    ("中国卫生官员表示，新增病例数量有所下降。", "zh"),
    ("首相は4日、記者団に対し方針を説明した。", "ja"),
    ("정부는 4일 새로운 대책을 발표했다.", "ko"),
    ("นายกรัฐมนตรีกล่าวว่ารัฐบาลจะประกาศมาตรการใหม่", "th"),
    ("قال الوزير إن المحادثات ستستمر الأسبوع المقبل.", "ar"),
    ("وزیر امور خارجه امروز به مسکو سفر کرد.", "fa"),
    ("The minister said the talks would go on next week.", "en"),
])
def test_language_detection_offline(text, lang):
    code, score = detect(text)
    assert code == lang and 0.5 < score <= 1.0
    assert languages_for(text, ("en",))[:2] == (("en",) if lang == "en" else ("en", lang))


def test_a_serbian_article_read_as_russian_still_gets_serbian_rules():
    assert "sr" in languages_for("Переговоры продолжатся на следующей неделе, сообщил министр.", ("en",))


def test_close_languages_pool_their_scores():
    """Latin Serbian splits its score between sr, hr, bs and sh: pooled, its credit patterns still apply."""
    text = "Kako prenosi agencija Tanjug, ministar je potpisao sporazum o saradnji u Beogradu u ponedeljak."
    assert "sr" in languages_for(text, ("en",))


@pytest.mark.parametrize("line", [
    "Читайте также:", "Поделиться", "Подписывайтесь на наш канал в Telegram", "Читайте також",
    "相关新闻", "分享到：", "关注我们的微信公众号", "関連記事", "관련기사", "اقرأ أيضا", "بیشتر بخوانید",
    "İlgili Haberler", "Leer más", "Suscríbete a nuestro boletín", "Leia também", "Lire aussi",
    "Abonnez-vous à notre newsletter", "Mehr zum Thema", "Leggi anche", "Czytaj także", "Pročitajte još",
])
def test_chrome_lines_in_other_languages(line):
    assert pattern_reason(line) is not None


@pytest.mark.parametrize("line", [
    "Москва заявила о продолжении переговоров.", "中国卫生官员表示，新增病例数量有所下降。",
    "El ministro dijo que leer más informes no cambiaría nada.", "قال الوزير إن المحادثات ستستمر.",
])
def test_article_sentences_are_not_chrome(line):
    assert pattern_reason(line) is None
