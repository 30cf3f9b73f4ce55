"""`Policy`: a validated policy file, compiled for fast classification."""

from collections.abc import Mapping
from dataclasses import dataclass

from .compile import Compiler
from .evaluate import Evaluator, gate
from .keywords import KeywordIndex
from .negation import NegationDetector
from .segment import Segmenter
from .spec import Cluster, PolicySpec, Rule


@dataclass(frozen=True, slots=True)
class CompiledRule:
    spec: Rule
    evaluate: Evaluator
    gate: frozenset[int] | None  # keyword uses one of which must hit, or None (always run)
    unless: Evaluator | None = None  # an exclusion: the rule does not fire when it holds


@dataclass(frozen=True, eq=False, slots=True)
class Policy:
    id: str
    version: str  # "sha256:" + hex digest of the file's bytes
    source: str
    spec: PolicySpec
    levels: tuple[str, ...]  # least severe first
    rules: tuple[CompiledRule, ...]
    derived: tuple[tuple[str, Evaluator], ...]
    keywords: KeywordIndex
    negation: NegationDetector
    routing: Mapping[str, str | None]  # category -> department

    def rank(self, level: str) -> int:
        return self.levels.index(level)

    @property
    def clusters(self) -> tuple[Cluster, ...]:
        return tuple(self.spec.clusters)

    @property
    def derived_flag_ids(self) -> frozenset[str]:
        return frozenset(flag for flag, _ in self.derived)


def build_policy(spec: PolicySpec, *, version: str, source: str) -> Policy:
    """Compile a checked spec (see `references.check`)."""
    levels = tuple(level.id for level in spec.severity.levels)
    compiler = Compiler(
        text_fields=spec.text_fields, levels=levels, weak_factor=spec.weak_evidence_factor
    )
    evaluators = [compiler.compile(rule.when) for rule in spec.rules]
    exclusions = [compiler.compile(rule.unless) if rule.unless else None for rule in spec.rules]
    rules = tuple(
        CompiledRule(rule, evaluator, gate(evaluator), unless)
        for rule, evaluator, unless in zip(spec.rules, evaluators, exclusions, strict=True)
    )
    derived = tuple((item.flag, compiler.compile(item.when)) for item in spec.derived_flags)
    return Policy(
        id=spec.policy_id,
        version=version,
        source=source,
        spec=spec,
        levels=levels,
        rules=rules,
        derived=derived,
        keywords=KeywordIndex(compiler.keyword_uses, _segmenter(spec)),
        negation=NegationDetector(spec.negation),
        routing={category.id: category.department for category in spec.categories},
    )


def _segmenter(spec: PolicySpec) -> Segmenter | None:
    settings = spec.segmentation
    return Segmenter(settings.words, settings.split) if settings.enabled else None
