"""Tokens in every script (issue 15): words where words are spaced, content-defined units elsewhere,
offsets exact in the original text, the same units in a source and in any copy of one of its sentences."""

import numpy as np
import pytest

from copytrace.text.folding import folding_table, tokenize_folding
from copytrace.text.normalize import fold
from copytrace.text.tokens import doc_shingles, encode_batch, tokenize_into, word_spans

SENTENCES = {
    "zh-Hans": "中国宣布其患有HIV和艾滋病的公民人数激增14%。",
    "zh-Hant": "中國宣布其患有愛滋病毒和愛滋病的公民人數激增14%。",
    "ja": "東京都は4日、新型コロナウイルスの感染者を新たに確認したと発表した。",
    "ko": "정부는 4일 새로운 대책을 발표했다고 연합뉴스가 전했다.",
    "th": "นายกรัฐมนตรีกล่าวว่ารัฐบาลจะประกาศมาตรการใหม่ในสัปดาห์หน้า",
    "lo": "ລັດຖະບານລາວໄດ້ປະກາດມາດຕະການໃໝ່",
    "km": "រដ្ឋាភិបាលកម្ពុជាបានប្រកាសវិធានការថ្មី",
    "my": "မြန်မာအစိုးရက အစီအစဉ်သစ်ကို ကြေညာခဲ့သည်",
    "ar": "وفقا لوكالة سبوتنيك، قال الوزير إن المحادثات ستستمر.",
    "fa": "به گزارش خبرگزاری تسنیم، وزیر گفت مذاکرات ادامه دارد.",
    "he": "ראש הממשלה אמר כי הממשלה תכריז על צעדים חדשים.",
    "ru": "По материалам РИА Новости, переговоры продолжатся в Москве.",
    "el": "Ο πρωθυπουργός δήλωσε ότι η κυβέρνηση θα ανακοινώσει νέα μέτρα.",
    "hi": "प्रधानमंत्री ने कहा कि सरकार नए उपायों की घोषणा करेगी।",
    "en": "The prime minister said the government would announce new measures.",
}


def tokens(text):
    hashes, starts, ends = word_spans(text)
    return hashes, [text[a:b] for a, b in zip(starts.tolist(), ends.tolist())]


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_offsets_point_back_into_the_original_text(lang):
    text = "« " + SENTENCES[lang] + " »\n"
    hashes, pieces = tokens(text)
    _, starts, ends = word_spans(text)
    assert len(pieces) >= 3 and all(pieces)
    # units are ordered, do not overlap, and hold no space or punctuation at their edges
    assert all(ends[k] <= starts[k + 1] for k in range(len(pieces) - 1))
    assert all(not p[0].isspace() and not p[-1].isspace() for p in pieces)
    # every letter of the text is inside a unit
    covered = np.zeros(len(text), dtype=bool)
    for a, b in zip(starts.tolist(), ends.tolist()):
        covered[a:b] = True
    assert all(covered[i] for i, ch in enumerate(text) if ch.isalpha())


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant", "ja", "th", "lo", "km", "my"])
def test_unspaced_scripts_are_cut_into_word_sized_units(lang):
    text = SENTENCES[lang]
    _, pieces = tokens(text)
    letters = sum(ch.isalpha() for ch in text)
    assert 1.0 < letters / len(pieces) < 7.0  # not one unit per sentence, not one per letter on average
    assert len(set(pieces)) > 1


@pytest.mark.parametrize("lang", ["zh-Hans", "ja", "th", "km", "my"])
def test_a_sentence_gets_the_same_units_wherever_it_is_copied(lang):
    sentence = SENTENCES[lang]
    alone, _ = tokens(sentence)
    for before in ("这是另一篇文章的开头。", "ข่าวอื่น ", "Breaking: ", "他说：“"):
        framed, _ = tokens(before + sentence + "。其他")
        found = any(np.array_equal(framed[k:k + len(alone)], alone) for k in range(len(framed)))
        assert found, before


def test_mixed_script_text_in_one_pass():
    text = "Apple发布iPhone 15，售价799美元。ソニーのPlayStation 5は2023年に発売された。"
    _, pieces = tokens(text)
    assert {"Apple", "iPhone", "15", "799", "PlayStation", "5", "2023"} <= set(pieces)
    assert "".join(p for p in pieces if not p.isascii()) == "".join(
        ch for ch in text if not ch.isascii() and ch.isalpha())


def test_the_fingerprint_kernel_gives_the_tokenizer_s_units_on_every_script():
    texts = [SENTENCES[k] * 3 for k in sorted(SENTENCES)] + ["ｶﾀｶﾅと漢字", "㍿の発表", "Ａｐｐｌｅの発表"]
    kinds, expansions, offsets = folding_table()
    for text in texts:
        nfkc = fold(text)
        buf, offs = encode_batch([nfkc])
        want = np.empty(len(buf) + 2, dtype=np.uint64)
        spans = np.empty(len(buf) + 2, dtype=np.int64)
        n = tokenize_into(buf, offs[0], offs[1], want, spans, spans)
        raw = np.frombuffer(text.encode(), dtype=np.uint8)
        got = np.empty(len(raw) + 2, dtype=np.uint64)
        m = tokenize_folding(raw, 0, len(raw), got, kinds, expansions, offsets)
        assert m == -1 or np.array_equal(got[:m], want[:n]), text


def test_shingles_of_a_reordered_chinese_copy_are_mostly_the_source_s():
    a = "中国宣布其患有艾滋病的公民人数激增。卫生官员表示中国国内有超过八十万人受此影响。仅第二季度便新增四万多个病例。"
    sentences = [s + "。" for s in a.split("。") if s]
    b = "".join(reversed(sentences))
    buf, offs = encode_batch([a, b])
    sa = set(doc_shingles(buf, offs[0], offs[1], 5).tolist())
    sb = set(doc_shingles(buf, offs[1], offs[2], 5).tolist())
    assert len(sa & sb) / len(sa) > 0.6
