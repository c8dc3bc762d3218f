"""A statistical second opinion on a message, for wording no rule knows: metaphors, typos, indirect words.

The rules (detector.py) are the deterministic floor: the model only ever raises their verdict, and only
when it is confident. It is a linear classifier over character and word n-grams of the normalised text
(typing slips share most of their character n-grams with the word meant). It learns from
bot/risk/training.tsv and the development sets, never from data/risk/eval*.tsv or the final blind set.
Training takes a few seconds, so the fitted model is cached under build/, keyed by its data and settings.
"""
import hashlib
import logging
import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import joblib
import numpy
import sklearn
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot import settings
from bot.risk.assessment import Evidence, RiskAssessment, RiskLevel
from bot.risk.labelled import read_rows
from bot.risk.normalize import lexicon, normalize

log = logging.getLogger(__name__)

DATA_DIR = settings.PROJECT_ROOT / "data" / "risk"
TRAINING_FILES = (
    Path(__file__).with_name("training.tsv"),
    DATA_DIR / "heldout.tsv",
    DATA_DIR / "blind.tsv",
)
HELD_BACK_FILES = tuple(DATA_DIR / name for name in ("eval.tsv", "eval_multi.tsv", "fresh.tsv"))
NLU_FILES = tuple(sorted((settings.PROJECT_ROOT / "data" / "nlu").glob("*.yml")))
# Intents whose examples may be distress or risk: the model learns those from the labelled files only.
NOT_ORDINARY = {"risk_imminent", "risk_high", "risk_concern", "immediate_danger", "feeling_upset"}
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
CACHE_DIR = settings.PROJECT_ROOT / "build"
# Raised (never lowered) whenever the features or the classifier change, so an old cache is not reused.
MODEL_VERSION = "4"
# The model raises the verdict to a level when it is at least this sure the message is that level or worse.
# Chosen on the development sets so that false alarms on harmless messages stay rare (docs/risk-evaluation.md).
RAISE_AT = {RiskLevel.IMMINENT: 0.70, RiskLevel.HIGH: 0.70, RiskLevel.CONCERN: 0.90}
# Fewer words than this are a fragment ("i want to"): the rules read fragments with the earlier messages.
FEWEST_WORDS = 4
# A message ending on one of these is unfinished ("ngl i want to"): its end comes in the next message.
UNFINISHED = {"to", "the", "a", "an", "my", "i", "and", "of", "on", "in", "at", "going", "gonna", "wanna", "am", "is",
              "was", "will", "would", "could", "just", "about", "from", "with", "so", "but", "because", "if"}
# Long pastes are read at their end, where the newest words are.
MODEL_CHARS = 2_000
LEVELS = (RiskLevel.NONE, RiskLevel.CONCERN, RiskLevel.HIGH, RiskLevel.IMMINENT)
# A risk message is about a friend only when it says so plainly; when unsure it is the child's own.
SUBJECT = re.compile(r"^(?:\w+ ){0,3}?my (?:best )?(\w+)\b")
SELF_WORDS = re.compile(r"\b(?:myself|me|i am|i want|i will|i have)\b")


@dataclass(frozen=True)
class Opinion:
    level: RiskLevel
    probability: float
    kind: str



def ordinary_messages(files: Sequence[Path] = NLU_FILES) -> List[str]:
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


def training_examples() -> List[Tuple[str, str, str]]:
    """(normalised text, level, kind) for every labelled line of the training files, and the ordinary messages."""
    examples = []
    for path in TRAINING_FILES:
        if path.exists():
            examples += [(normalize(row["text"]), row["level"], row["kind"]) for row in read_rows(path)]
    examples += [(normalize(text), "none", "none") for text in ordinary_messages()]
    measuring = held_back()
    return [example for example in examples if example[0] not in measuring]


def ngrams(normalised: str) -> List[str]:
    """The features of a message: its words, word pairs, and the 2- to 5-letter pieces of each word."""
    words = normalised.split()
    features = words + [f"{first} {second}" for first, second in zip(words, words[1:])]
    for word in words:
        padded = f" {word} "
        features += [padded[start : start + size] for size in range(2, 6) for start in range(len(padded) - size + 1)]
    return features


class Classifier:
    """Logistic regression over tf-idf n-grams (sublinear tf, l2 norm), fitted by sklearn.

    One message is scored by hand, from the fitted vocabulary, idf and weights: sklearn's checks and sparse
    matrices cost a millisecond a message, ten times the sums themselves. tests/risk checks both agree.
    """

    def __init__(self, texts: List[str], labels: List[str]):
        vectorizer = TfidfVectorizer(analyzer=ngrams, sublinear_tf=True, min_df=2)
        self.regression = LogisticRegression(C=8.0, class_weight="balanced", max_iter=5000)
        self.regression.fit(vectorizer.fit_transform(texts), labels)
        self.vectorizer = vectorizer
        self.vocabulary: Dict[str, int] = dict(vectorizer.vocabulary_)
        self.idf = vectorizer.idf_
        self.classes = [str(label) for label in self.regression.classes_]
        # With two classes sklearn keeps one row of weights, for the second class.
        coef, intercept = self.regression.coef_, self.regression.intercept_
        if len(self.classes) == 2:
            coef, intercept = numpy.vstack([-coef, coef]) / 2, numpy.concatenate([-intercept, intercept]) / 2
        self.weights, self.intercept = coef.T, intercept

    def probabilities(self, normalised: str) -> Dict[str, float]:
        counts = Counter(feature for feature in ngrams(normalised) if feature in self.vocabulary)
        scores = self.intercept.copy()
        if counts:
            indices = numpy.fromiter((self.vocabulary[feature] for feature in counts), dtype=int, count=len(counts))
            values = (1.0 + numpy.log(numpy.fromiter(counts.values(), dtype=float, count=len(counts)))) * self.idf[indices]
            scores += (values / numpy.linalg.norm(values)) @ self.weights[indices]
        exponentials = numpy.exp(scores - scores.max())
        return dict(zip(self.classes, exponentials / exponentials.sum()))


class RiskModel:
    def __init__(self, examples: List[Tuple[str, str, str]]):
        self.levels = Classifier([text for text, _, _ in examples], [level for _, level, _ in examples])
        at_risk = [(text, kind) for text, level, kind in examples if level != "none"]
        self.kinds = Classifier([text for text, _ in at_risk], [kind for _, kind in at_risk])

    def _kind(self, normalised: str, level: RiskLevel) -> str:
        ranked = sorted(((p, kind) for kind, p in self.kinds.probabilities(normalised).items()), reverse=True)
        # Wanting to die or to get hurt always has a kind; plain distress (concern) may have none.
        for _, kind in ranked:
            if kind != "none" or level == RiskLevel.CONCERN:
                return kind
        return "suicide"

    def opinion(self, normalised: str) -> Opinion:
        """The most urgent level the model is sure enough of (none if it is sure of nothing)."""
        probabilities = self.levels.probabilities(normalised)
        at_least = 0.0
        for level in reversed(LEVELS[1:]):
            at_least += probabilities.get(level.value, 0.0)
            if at_least >= RAISE_AT[level]:
                return Opinion(level, at_least, self._kind(normalised, level))
        return Opinion(RiskLevel.NONE, 1.0 - at_least, "none")


def _fingerprint(files: Sequence[Path]) -> str:
    digest = hashlib.sha256(f"{MODEL_VERSION} {sklearn.__version__}".encode())
    for path in (Path(__file__).with_name("lexicon.yaml"), *files, *NLU_FILES, *HELD_BACK_FILES):
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def risk_model() -> Optional[RiskModel]:
    cache = CACHE_DIR / f"risk_model-{_fingerprint(TRAINING_FILES)}.joblib"
    try:
        return joblib.load(cache)
    except (OSError, EOFError, ValueError):
        pass
    examples = training_examples()
    if not examples:
        log.warning("no risk training data found; the rules work alone")
        return None
    model = RiskModel(examples)
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        for old in CACHE_DIR.glob("risk_model-*.joblib"):
            old.unlink()
        joblib.dump(model, cache)
    except OSError:
        log.warning("could not cache the risk model under %s", CACHE_DIR)
    return model


def _about(normalised: str) -> str:
    subject = SUBJECT.match(normalised)
    relations = set(lexicon()["classes"]["third_party"])
    if subject and subject.group(1) in relations and not SELF_WORDS.search(normalised):
        return "friend"
    return "self"


def second_opinion(verdict: RiskAssessment, text: str) -> RiskAssessment:
    """The rules' verdict, raised to what the model is confident of (the detector asks only where no rule named a kind)."""
    model = risk_model()
    normalised = normalize(text[-MODEL_CHARS:])
    words = normalised.split()
    if model is None or len(words) < FEWEST_WORDS or words[-1] in UNFINISHED:
        return verdict
    opinion = model.opinion(normalised)
    if opinion.level <= verdict.level:
        return verdict
    evidence = verdict.evidence + (Evidence(f"model.{opinion.level.value}", f"p={opinion.probability:.2f}"),)
    about = verdict.about if verdict.level > RiskLevel.NONE else _about(normalised)
    return replace(verdict, level=opinion.level, kind=opinion.kind, about=about, evidence=evidence)
