"""Subject suggestion from a controlled vocabulary (Annif-style): lexical, trained and ensemble backends.

- vocab: concepts from SKOS files, the `iconclass` package, or the demo collection's own subject terms
- lexical / trained / ensemble: backends behind `Backend.suggest(texts, limit) -> [[(uri, label, score)]]`
- bundle: trained models saved under models/subjects/ and loaded with numpy alone
- evaluate: `evaluate_subjects()` fits, tunes and scores them on the demo collection
- enricher: the `subjects.demo` and `subjects.iconclass` enrichers (importing it registers them)
"""

from verrijk.enrich.text.subjects.base import Backend, Encoder, Suggestion
from verrijk.enrich.text.subjects.ensemble import EnsembleBackend
from verrijk.enrich.text.subjects.evaluate import SubjectEvaluation, evaluate_subjects
from verrijk.enrich.text.subjects.lexical import LexicalBackend
from verrijk.enrich.text.subjects.trained import FrequencyBackend, KnnBackend, LinearBackend
from verrijk.enrich.text.subjects.vocab import (
    Concept,
    Vocabulary,
    VocabularyError,
    demo_vocabulary,
    iconclass_vocabulary,
    load_skos,
    parse_skos,
)

__all__ = [
    "Backend",
    "Concept",
    "Encoder",
    "EnsembleBackend",
    "FrequencyBackend",
    "KnnBackend",
    "LexicalBackend",
    "LinearBackend",
    "SubjectEvaluation",
    "Suggestion",
    "Vocabulary",
    "VocabularyError",
    "demo_vocabulary",
    "evaluate_subjects",
    "iconclass_vocabulary",
    "load_skos",
    "parse_skos",
]
