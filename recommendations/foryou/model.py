"""The "for you" model: tf-idf over what is written about each paper, and one linear classifier
per reader, trained on the papers they saved against those they dismissed and a sample of the
rest. Pure: texts and ids in, ranked ids with reasons out; no database, no Django models.

Only a worker calls ``rank`` (it takes up to a second or two); pages read what it stored.

A paper's text is its title, abstract, published write-ups and topic names, English and Chinese
alike. Latin script is cut into lower-cased words and pairs of neighbouring words (stop words
out); Chinese, which has no spaces, into overlapping pairs of characters, so "目标检测" gives
"目标", "标检", "检测".
"""

import re
import time
from dataclasses import dataclass, field

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.linear_model import LogisticRegression

# Han characters (the unified block and its extension A, and compatibility ideographs).
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[a-z0-9](?:[a-z0-9+\-]*[a-z0-9+])?")
# Words too common in paper prose to say anything about a reader (beside English stop words).
_PAPER_WORDS = (
    "paper papers propose proposed approach approaches method methods model models results show shows based "
    "using use used new work also however existing performance task tasks state art novel effective simple "
    # What write-ups say of any paper they like.
    "useful read reading worth recommend recommended good great nice interesting clear idea ideas authors author"
)
PAPER_STOP_WORDS = frozenset(_PAPER_WORDS.split())
STOP_WORDS = ENGLISH_STOP_WORDS | PAPER_STOP_WORDS

MIN_SAVED = 3  # below this many saved papers, follows and recency rank (see services)
NEGATIVE_WEIGHT = 3.0  # a "not interested" counts as this many unlabelled papers
SAVED_SIMILARITY = 0.2  # cosine with a saved paper from which "because you saved X" is said
REASON_TERMS = 3
MODEL_TERMS = 20


def analyse(text: str) -> list[str]:
    """The terms of a text: words and word pairs, and Chinese character pairs."""
    text = text.lower()
    terms = []
    for chunk in HAN.split(text):
        words = [w for w in WORD.findall(chunk) if len(w) > 1 and w not in STOP_WORDS and not w.isdigit()]
        terms.extend(words)
        terms.extend(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
    for run in HAN.findall(text):
        if len(run) == 1:
            terms.append(run)
        else:
            terms.extend(run[i : i + 2] for i in range(len(run) - 1))
    return terms


@dataclass
class Pick:
    paper_id: int
    score: float
    reason: dict


@dataclass
class Ranking:
    picks: list[Pick]
    terms: list[tuple[str, float]] = field(default_factory=list)  # the reader's weightiest terms
    seconds: float = 0.0


def rank(
    *,
    texts: dict[int, str],
    saved: list[int],
    dismissed: list[int],
    candidates: list[int],
    boosts: dict[int, tuple[float, dict]] | None = None,
    titles: dict[int, str] | None = None,
    limit: int = 50,
) -> Ranking:
    """Rank ``candidates`` for a reader who saved ``saved`` and dismissed ``dismissed``.

    ``texts`` holds the text of every paper named, and of the unlabelled sample the classifier
    learns "the rest" from (every key that is neither saved nor dismissed). ``boosts`` adds a
    follow's weight to a candidate's score, with the follow's reason. Saved and dismissed papers
    are never picked. Needs at least one saved paper.
    """
    started = time.perf_counter()
    boosts = boosts or {}
    titles = titles or {}
    keys = list(texts)
    row = {key: i for i, key in enumerate(keys)}
    vectorizer = TfidfVectorizer(
        analyzer=analyse, sublinear_tf=True, min_df=1, max_df=0.5, max_features=100_000, dtype=np.float32
    )
    matrix = vectorizer.fit_transform([texts[key] for key in keys])
    positive = [row[key] for key in saved if key in row]
    negative_set = {key for key in dismissed if key in row}
    labelled = set(saved) | negative_set
    unlabelled = [row[key] for key in keys if key not in labelled]
    negative = [row[key] for key in dismissed if key in row]
    train_rows = positive + negative + unlabelled
    y = np.array([1] * len(positive) + [0] * (len(negative) + len(unlabelled)))
    weights = np.array([1.0] * len(positive) + [NEGATIVE_WEIGHT] * len(negative) + [1.0] * len(unlabelled))
    classifier = LogisticRegression(C=10.0, class_weight="balanced", solver="liblinear", max_iter=200)
    classifier.fit(matrix[train_rows], y, sample_weight=weights)
    coef = classifier.coef_.ravel()
    vocabulary = vectorizer.get_feature_names_out()

    pool = [key for key in dict.fromkeys(candidates) if key in row and key not in labelled]
    if not pool:
        return Ranking([], _weightiest(coef, vocabulary), time.perf_counter() - started)
    pool_matrix = matrix[[row[key] for key in pool]]
    scores = classifier.decision_function(pool_matrix)
    scores = scores + np.array([boosts.get(key, (0.0, None))[0] for key in pool])
    order = np.argsort(-scores, kind="stable")[:limit]
    saved_matrix = matrix[positive]
    similarity = (pool_matrix[order] @ saved_matrix.T).toarray() if positive else None
    picks = []
    for position, index in enumerate(order):
        key = pool[index]
        reason = boosts.get(key, (0.0, None))[1]
        if reason is None and similarity is not None:
            best = int(np.argmax(similarity[position]))
            if similarity[position, best] >= SAVED_SIMILARITY:
                saved_key = keys[positive[best]]
                reason = {"kind": "saved", "paper_id": saved_key, "title": titles.get(saved_key, "")}
        if reason is None:
            reason = {"kind": "terms", "terms": _reason_terms(pool_matrix[index], coef, vocabulary)}
        picks.append(Pick(key, float(scores[index]), reason))
    return Ranking(picks, _weightiest(coef, vocabulary), time.perf_counter() - started)


def _reason_terms(vector, coef, vocabulary):
    """The few terms of one paper that pushed its score up most."""
    columns, values = vector.indices, vector.data
    contributions = values * coef[columns]
    best = np.argsort(-contributions)[:REASON_TERMS]
    return [str(vocabulary[columns[i]]) for i in best if contributions[i] > 0]


def _weightiest(coef, vocabulary):
    best = np.argsort(-coef)[:MODEL_TERMS]
    return [(str(vocabulary[i]), round(float(coef[i]), 3)) for i in best if coef[i] > 0]
