"""The learned reader of risk: a sentence encoder's meaning of a message, with its character n-grams, classified.

Each message becomes the encoder's vector (encoder.py: its meaning, in any of its languages) beside the tf-idf
weights of its words, word pairs and 2- to 5-letter pieces (typing slips share most of them with the word meant).
Three linear classifiers read those features: the level of risk, its kind, and whether it is the writer's own or
someone else's. They learn from the labelled corpus (data/risk/corpus/, written by independent writers, one
family and register each, with the writer on every line), the older training lines and development sets, and
the assistant's everyday NLU examples as harmless messages; never from the sets that measure the detector
(HELD_BACK_FILES). `python -m bot.risk --fit` fits them (about a minute, in `make build`) and caches the result
under build/, keyed by the data, the settings and the encoder.
"""

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import joblib
import numpy
import scipy.sparse
import sklearn
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot import settings
from bot.risk.assessment import RiskLevel
from bot.risk.encoder import encode_one, sentence_encoder
from bot.risk.labelled import read_rows
from bot.risk.normalize import normalize

log = logging.getLogger(__name__)

DATA_DIR = settings.PROJECT_ROOT / "data" / "risk"
CORPUS_DIR = DATA_DIR / "corpus"
OLDER_TRAINING_FILES = (
    Path(__file__).with_name("training.tsv"),
    DATA_DIR / "heldout.tsv",
    DATA_DIR / "blind.tsv",
)
MEASURING_SETS = (
    "eval.tsv",
    "eval_multi.tsv",
    "fresh.tsv",
    "blind2.tsv",
    "blind3.tsv",
    "blind4.tsv",
    "blind5.tsv",
    "blind6.tsv",
    "blind7.tsv",
    "blind8.tsv",
    "blind9.tsv",
    "blind10.tsv",
)
HELD_BACK_FILES = tuple(DATA_DIR / name for name in MEASURING_SETS)
NLU_FILES = tuple(sorted((settings.PROJECT_ROOT / "data" / "nlu").glob("*.yml")))
# Intents whose examples may be distress or risk: the model learns those from the labelled files only.
NOT_ORDINARY = {"risk_imminent", "risk_high", "risk_concern", "immediate_danger", "feeling_upset"}
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
CACHE_DIR = settings.PROJECT_ROOT / "build"
# Raised (never lowered) whenever the features or the classifiers change, so an old cache is not reused.
MODEL_VERSION = "7"
# How much the encoder's vector counts beside the n-grams (both have unit length).
ENCODER_WEIGHT = 1.5
# Each line in another language than English counts this many times in the fit: each has a few hundred lines
# beside thousands in English, and a new writer's Polish, Arabic or Welsh was read better with it
# (docs/risk-evaluation.md, leave-one-writer-out).
OTHER_LANGUAGE_WEIGHT = 3.0
LEVELS = (RiskLevel.NONE, RiskLevel.CONCERN, RiskLevel.HIGH, RiskLevel.IMMINENT)
# Long pastes are read at their end, where the newest words are.
MODEL_CHARS = 2_000


@dataclass(frozen=True)
class LabelledLine:
    text: str  # normalised
    level: str
    kind: str
    about: str  # "" where the file does not say
    source: str  # the writer, or the file
    lang: str = "en"


def training_files() -> tuple[Path, ...]:
    return tuple(sorted(CORPUS_DIR.glob("*.tsv"))) + OLDER_TRAINING_FILES


def ordinary_messages(files: Sequence[Path] = NLU_FILES) -> list[str]:
    """The assistant's NLU examples of everyday intents: how children talk about the blackmail itself."""
    texts = []
    for path in files:
        for entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if entry.get("intent") and entry["intent"] not in NOT_ORDINARY:
                lines = str(entry.get("examples", "")).splitlines()
                texts += [ANNOTATION.sub(r"\1", line.strip()[2:]) for line in lines if line.strip().startswith("- ")]
    return texts


def held_back() -> set:
    """The normalised messages of the sets that measure the detector: never trained on, even if typed elsewhere too."""
    return {normalize(row["text"]) for path in HELD_BACK_FILES if path.exists() for row in read_rows(path)}


def training_lines() -> list[LabelledLine]:
    """Every labelled line of the training files, and the ordinary messages as harmless; none of the held-back ones."""
    lines = []
    for path in training_files():
        for row in read_rows(path):
            lines.append(
                LabelledLine(
                    normalize(row["text"]),
                    row["level"],
                    row["kind"],
                    row.get("about") or "",
                    row.get("source") or path.name,
                    row.get("lang") or "en",
                )
            )
    lines += [LabelledLine(normalize(text), "none", "none", "", "nlu") for text in ordinary_messages()]
    measuring = held_back()
    return [line for line in lines if line.text and line.text not in measuring]


def training_examples() -> list[tuple[str, str, str]]:
    """(normalised text, level, kind) of every training line."""
    return [(line.text, line.level, line.kind) for line in training_lines()]


def ngrams(normalised: str) -> list[str]:
    """The n-gram features of a message: its words, word pairs, and the 2- to 5-letter pieces of each word."""
    words = normalised.split()
    features = words + [f"{first} {second}" for first, second in zip(words, words[1:], strict=False)]
    for word in words:
        padded = f" {word} "
        features += [padded[start : start + size] for size in range(2, 6) for start in range(len(padded) - size + 1)]
    return features


class Classifier:
    """Logistic regression over [encoder vector, tf-idf n-grams (sublinear tf, l2 norm)], fitted by sklearn.

    One message is scored by hand, from the fitted vocabulary, idf and weights: sklearn's checks and sparse
    matrices cost a millisecond a message, ten times the sums themselves. tests/risk checks both agree.
    """

    def __init__(
        self,
        texts: list[str],
        vectors: numpy.ndarray,
        labels: list[str],
        strength: float = 4.0,
        weights: numpy.ndarray | None = None,
    ):
        self.vectorizer = TfidfVectorizer(analyzer=ngrams, sublinear_tf=True, min_df=2)
        grams = self.vectorizer.fit_transform(texts)
        self.regression = LogisticRegression(C=strength, max_iter=5000)
        self.regression.fit(self.features(grams, vectors), labels, sample_weight=weights)
        self.vocabulary: dict[str, int] = dict(self.vectorizer.vocabulary_)
        self.idf = self.vectorizer.idf_
        self.classes = [str(label) for label in self.regression.classes_]
        coef, intercept = self.regression.coef_, self.regression.intercept_
        # With two classes sklearn keeps one row of weights, for the second class.
        if len(self.classes) == 2:
            coef, intercept = numpy.vstack([-coef, coef]) / 2, numpy.concatenate([-intercept, intercept]) / 2
        dimension = vectors.shape[1]
        self.vector_weights, self.gram_weights, self.intercept = coef[:, :dimension].T, coef[:, dimension:].T, intercept

    @staticmethod
    def features(grams, vectors: numpy.ndarray):
        return scipy.sparse.hstack([scipy.sparse.csr_matrix(vectors * ENCODER_WEIGHT), grams]).tocsr()

    def sklearn_probabilities(self, normalised: str, vector: numpy.ndarray) -> dict[str, float]:
        features = self.features(self.vectorizer.transform([normalised]), vector[None, :])
        return dict(zip(self.classes, self.regression.predict_proba(features)[0], strict=True))

    def probabilities(self, normalised: str, vector: numpy.ndarray) -> dict[str, float]:
        scores = self.intercept + (vector * ENCODER_WEIGHT) @ self.vector_weights
        counts = Counter(feature for feature in ngrams(normalised) if feature in self.vocabulary)
        if counts:
            indices = numpy.fromiter((self.vocabulary[feature] for feature in counts), dtype=int, count=len(counts))
            values = (1.0 + numpy.log(numpy.fromiter(counts.values(), dtype=float, count=len(counts)))) * self.idf[
                indices
            ]
            scores = scores + (values / numpy.linalg.norm(values)) @ self.gram_weights[indices]
        exponentials = numpy.exp(scores - scores.max())
        return dict(zip(self.classes, exponentials / exponentials.sum(), strict=True))


@dataclass(frozen=True)
class Reading:
    """What the model makes of one message: how sure it is of each level or worse, and the likeliest kind and person."""

    at_least: dict[RiskLevel, float]
    kinds: dict[str, float]
    about: str

    def kind_for(self, level: RiskLevel) -> str:
        """The likeliest kind; wanting to die or to get hurt always has one, plain distress (concern) may have none."""
        kinds = self.kinds if level == RiskLevel.CONCERN else {k: p for k, p in self.kinds.items() if k != "none"}
        return max(kinds, key=kinds.__getitem__) if kinds else "suicide"

    def level_at(self, thresholds: dict[RiskLevel, float]) -> RiskLevel:
        """The most urgent level the model is at least as sure of as its threshold asks."""
        for level in reversed(LEVELS[1:]):
            if self.at_least[level] >= thresholds[level]:
                return level
        return RiskLevel.NONE


class RiskModel:
    def __init__(self, lines: list[LabelledLine], vectors: numpy.ndarray):
        texts = [line.text for line in lines]
        weights = numpy.array([1.0 if line.lang == "en" else OTHER_LANGUAGE_WEIGHT for line in lines])
        self.encoder = sentence_encoder().name
        self.levels = Classifier(texts, vectors, [line.level for line in lines], weights=weights)
        at_risk = [index for index, line in enumerate(lines) if line.level != "none"]
        self.kinds = Classifier(
            [texts[i] for i in at_risk], vectors[at_risk], [lines[i].kind for i in at_risk], weights=weights[at_risk]
        )
        told = [index for index in at_risk if lines[index].about]
        self.abouts = Classifier(
            [texts[i] for i in told], vectors[told], [lines[i].about for i in told], weights=weights[told]
        )

    def read(self, normalised: str) -> Reading:
        vector = encode_one(normalised[-MODEL_CHARS:])
        probabilities = self.levels.probabilities(normalised, vector)
        at_least, total = {}, 0.0
        for level in reversed(LEVELS):
            total += probabilities.get(level.value, 0.0)
            at_least[level] = total
        abouts = self.abouts.probabilities(normalised, vector)
        return Reading(at_least, self.kinds.probabilities(normalised, vector), max(abouts, key=abouts.__getitem__))


def _fingerprint(files: Sequence[Path]) -> str:
    settings_used = f"{MODEL_VERSION} {ENCODER_WEIGHT} {OTHER_LANGUAGE_WEIGHT} {sklearn.__version__}"
    digest = hashlib.sha256(f"{settings_used} {sentence_encoder().name}".encode())
    for path in (Path(__file__).with_name("lexicon.yaml"), *files, *NLU_FILES, *HELD_BACK_FILES):
        if path.exists():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _cache_path() -> Path:
    return CACHE_DIR / f"risk_model-{_fingerprint(training_files())}.joblib"


def _vectors(texts: list[str]) -> numpy.ndarray:
    """The encoder's vectors for the training texts, reusing those of an earlier fit (encoding is most of the time)."""
    store = CACHE_DIR / f"risk_vectors-{sentence_encoder().name}.joblib"
    try:
        known: dict[str, numpy.ndarray] = joblib.load(store)
    except (OSError, EOFError, ValueError):
        known = {}
    missing = sorted({text for text in texts if text not in known})
    if missing:
        log.info("encoding %d training messages", len(missing))
        known.update(zip(missing, sentence_encoder().encode([text[-MODEL_CHARS:] for text in missing]), strict=True))
        try:
            CACHE_DIR.mkdir(parents=True, exist_ok=True)
            joblib.dump({text: known[text] for text in set(texts)}, store)
        except OSError:
            log.warning("could not keep the training vectors under %s", CACHE_DIR)
    return numpy.vstack([known[text] for text in texts]) if texts else numpy.zeros((0, sentence_encoder().dimension))


def fit() -> RiskModel | None:
    lines = training_lines()
    if not lines:
        log.warning("no risk training data found; the rules work alone")
        return None
    model = RiskModel(lines, _vectors([line.text for line in lines]))
    cache = _cache_path()
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        for old in CACHE_DIR.glob("risk_model-*.joblib"):
            old.unlink()
        joblib.dump(model, cache)
    except OSError:
        log.warning("could not cache the risk model under %s", CACHE_DIR)
    return model


@lru_cache(maxsize=1)
def risk_model() -> RiskModel | None:
    try:
        return joblib.load(_cache_path())
    except Exception:  # noqa: BLE001 - missing, partly written or from other code: fit it again
        return fit()


def fit_unless_fitted() -> str:
    """Fits the model unless the cache under build/ is already for this data; says which."""
    cache = _cache_path().relative_to(settings.PROJECT_ROOT)
    if _cache_path().exists():
        return f"risk model up to date: {cache}"
    return f"risk model fitted: {cache}" if fit() else "no risk training data: the rules work alone"
