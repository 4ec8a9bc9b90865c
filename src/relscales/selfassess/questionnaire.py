"""What a respondent is asked: an instrument or a battery, with wording, in one language.

:func:`load_questionnaire` resolves an id (or a file) to an instrument or a battery,
applies the text overlays given with ``--texts``, picks the language of each member
instrument and compiles it for scoring. Published instruments ship without their
wording (``license.item_text: not-included``); without an overlay they cannot be
administered, and :func:`load_questionnaire` says so with ``missing-item-text``.
:func:`takeable` lists what can be administered.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from relscales.errors import Issue, Location, RelscalesError, SpecError

if TYPE_CHECKING:
    from relscales.instruments.battery import Battery
    from relscales.instruments.instrument import Instrument
    from relscales.scoring.compile import CompiledBattery, CompiledInstrument
    from relscales.spec import InstrumentSpec

__all__ = [
    "NOT_APPLICABLE_KEY",
    "NOT_APPLICABLE_LABEL",
    "Choice",
    "Question",
    "Questionnaire",
    "Section",
    "TakeableEntry",
    "complete_languages",
    "load_questionnaire",
    "pick_language",
    "safety_flag_ids",
    "safety_intro",
    "takeable",
]

Paths = Sequence[str | os.PathLike[str]]


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer a question offers.

    Attributes
    ----------
    value
        The response code, as scored.
    code
        The code as shown and typed (``"1"``, ``"0"``, ``"2.5"``); also the form value.
        A "Does not apply" answer is typed ``n`` (``n2``, ... when a scale declares
        several), never as its number: it is not a point on the scale.
    label
        The answer's wording, when the response scale labels this value.
    not_applicable
        A "Does not apply" answer (a code of the scale's ``not_applicable``): stored as
        its code, never scored.
    """

    value: float
    code: str
    label: str | None
    not_applicable: bool = False

    def describe(self) -> str:
        """Return ``"3 Somewhat true"`` (or just ``"3"`` for an unlabelled value)."""
        return f"{self.code} {self.label}" if self.label else self.code


NOT_APPLICABLE_LABEL = "Does not apply"
"""The wording of a "Does not apply" answer whose scale does not label it."""

NOT_APPLICABLE_KEY = "n"
"""What a respondent types (and a form sends) for "Does not apply"."""


@dataclass(frozen=True, slots=True)
class Question:
    """One item as a respondent sees it.

    Attributes
    ----------
    key
        ``<instrument id>.<item id>``: unique in the questionnaire; the form field name.
    instrument, item, column
        The instrument id, item id and the data column the engine reads the answer from.
    number
        1-based position in the questionnaire.
    text
        The item's wording in the section's language.
    choices
        The answers it offers, in scale order; a "Does not apply" answer, when the scale
        declares one, comes last.
    section
        Index of its :class:`Section`.
    stem
        The question the item answers (its scale's ``stem``: the time frame), in the
        section's language; None when the scale has none.
    stem_starts
        True when the stem is to be shown before this question: the first question of its
        section with this stem, or the stem changed since the question before. False when
        the stem is the question's own text (a context question asks it directly).
    context
        A context question (``context: true``): asked like any other, never scored.
    stem_language
        The language of ``stem``: the section's, unless the scale has no stem in it (a
        text overlay gives no stems), then the language the stem is shown in.
    asked_when
        ``(context question key, codes)`` when the item only counts in a context: every
        score it belongs to has ``applies_when`` on that context question. A session does
        not ask it once the context question was answered with another code (recurrence
        across partners is not asked of someone in a first relationship). ``None``: always.
    """

    key: str
    instrument: str
    item: str
    column: str
    number: int
    text: str
    choices: tuple[Choice, ...]
    section: int
    stem: str | None = None
    stem_starts: bool = False
    context: bool = False
    stem_language: str | None = None
    asked_when: tuple[str, tuple[float, ...]] | None = None

    @property
    def offers_not_applicable(self) -> bool:
        """True when the question offers a "Does not apply" answer."""
        return any(c.not_applicable for c in self.choices)


@dataclass(frozen=True, slots=True)
class Section:
    """The questions of one member instrument (a plain instrument has one section).

    Attributes
    ----------
    instrument, name
        Id and full name of the instrument.
    language
        Language of the item wording.
    instructions
        Respondent instructions, when the instrument has them.
    instructions_language
        Language of ``instructions`` (the wording's, unless only another one exists).
    status
        Validation status (``published``, ``provisional``, ``experimental``).
    first, count
        Index of the section's first question, and how many it has.
    """

    instrument: str
    name: str
    language: str
    instructions: str | None
    instructions_language: str | None
    status: str
    first: int
    count: int


@dataclass(frozen=True)
class Questionnaire:
    """An instrument or battery ready to administer and score.

    Attributes
    ----------
    id, name, version, kind, status
        Identity of what is taken (``kind`` is ``instrument`` or ``battery``).
    language
        Language of the first section (the page language).
    notices
        Things the respondent should know before starting (a language fallback).
    sections, questions
        What is asked, in order.
    compiled
        The compiled member instruments (one for an instrument).
    battery
        The compiled battery, for a battery.
    """

    id: str
    name: str
    version: str
    kind: Literal["instrument", "battery"]
    status: str
    language: str
    notices: tuple[str, ...]
    sections: tuple[Section, ...]
    questions: tuple[Question, ...]
    compiled: tuple[CompiledInstrument, ...]
    battery: CompiledBattery | None = None

    def question(self, key: str) -> Question:
        """Return the question with this key.

        Raises
        ------
        KeyError
            When no question has the key.
        """
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(key)

    def condition(self, question: Question) -> str | None:
        """Say when a question applies, for a form that shows every question at once.

        ``None`` for a question that always applies. A terminal session skips such a
        question by itself (:meth:`Session.applies <relscales.selfassess.session.Session.applies>`).
        """
        if question.asked_when is None:
            return None
        key, codes = question.asked_when
        context = self.question(key)
        labels = [c.label or c.code for c in context.choices if c.value in codes]
        answers = " or ".join(f'"{label}"' for label in labels)
        return f'Only if you answered {answers} to "{context.text}"; otherwise skip it.'

    @property
    def safety_flags(self) -> frozenset[tuple[str, str]]:
        """``(instrument, flag)`` ids of the flags that govern safety (:func:`safety_flag_ids`)."""
        return safety_flag_ids(self.compiled, self.battery)

    @property
    def safety_questions(self) -> tuple[Question, ...]:
        """The questions a safety flag reads (the RISI's safety screen), in order.

        Empty when nothing here screens for safety.

        Examples
        --------
        >>> q = load_questionnaire("risi")
        >>> [x.number for x in q.safety_questions]
        [91, 92, 93, 94, 95, 96, 97]
        >>> load_questionnaire("rrss").safety_questions
        ()
        """
        keys: set[str] = set()
        for comp in self.compiled:
            for flag in comp.flags:
                items = flag.spec.when.items
                if (comp.id, flag.id) in self.safety_flags and items:
                    keys.update(f"{comp.id}.{item}" for item in items)
        return tuple(q for q in self.questions if q.key in keys)


def safety_flag_ids(
    compiled: Sequence[CompiledInstrument], battery: CompiledBattery | None = None
) -> frozenset[tuple[str, str]]:
    """Return ``(instrument id, flag id)`` of every flag that governs safety.

    A flag governs safety when a profile is ``gated_by`` it (its reading turns
    ``safety-first`` when it is raised), in an instrument or in the battery, or when its
    severity is ``urgent``. Such a flag is shown before anything else when raised, and
    said plainly to be unchecked when its questions were skipped.

    Examples
    --------
    >>> from relscales.instruments.loader import load_instrument
    >>> from relscales.scoring.compile import compile_instrument
    >>> sorted(safety_flag_ids([compile_instrument(load_instrument("risi"))]))
    [('risi', 'safety')]
    """
    out: set[tuple[str, str]] = set()
    for comp in compiled:
        for profile in comp.profiles:
            out.update((comp.id, flag) for flag in profile.gated_by)
        out.update((comp.id, f.id) for f in comp.flags if f.spec.severity == "urgent")
    if battery is not None:
        for profile in battery.profiles:
            for name in profile.gated_by:
                instrument, _, flag = name.partition(".")
                out.add((instrument, flag))
    return frozenset(out)


def safety_intro(questionnaire: Questionnaire) -> str | None:
    """Return the note shown before the first safety question (``None``: no safety screen).

    Examples
    --------
    >>> from relscales.selfassess.questionnaire import load_questionnaire
    >>> safety_intro(load_questionnaire("risi"))[:58]
    'The next 7 questions ask about your safety with your partn'
    """
    questions = questionnaire.safety_questions
    if not questions:
        return None
    numbers = [q.number for q in questions]
    contiguous = numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    what = (
        f"The next {len(numbers)} questions ask"
        if contiguous and len(numbers) > 1
        else "Some of the next questions ask"
    )
    return (
        f"{what} about your safety with your partner. Answer them only if it feels safe to "
        "do so. You can skip any of them; your results will then say that safety could not "
        "be checked."
    )


def complete_languages(instrument: Instrument) -> list[str]:
    """Return the languages in which every item of ``instrument`` has wording.

    The instrument's declared ``languages`` come first, in their order.

    Examples
    --------
    >>> from relscales.instruments.loader import load_instrument
    >>> complete_languages(load_instrument("risi")), complete_languages(load_instrument("rses"))
    (['en'], [])
    """
    seen: list[str] = []
    for item in instrument.items:
        for lang in item.text or {}:
            if lang not in seen:
                seen.append(lang)
    declared = list(instrument.spec.languages)
    ordered = [lang for lang in declared if lang in seen] + [
        lang for lang in seen if lang not in declared
    ]
    return [lang for lang in ordered if all(lang in (item.text or {}) for item in instrument.items)]


def _base(tag: str) -> str:
    return tag.split("-", 1)[0].casefold()


def pick_language(available: Sequence[str], wanted: str | None) -> str:
    """Pick ``wanted`` from ``available``: exact, else its base language, else a regional one.

    Without a match the first available language is returned. ``available`` must not be
    empty.

    Examples
    --------
    >>> pick_language(["en", "fr"], "fr"), pick_language(["en", "pt"], "pt-BR")
    ('fr', 'pt')
    >>> pick_language(["en", "pt-BR"], "pt"), pick_language(["en"], "de")
    ('pt-BR', 'en')
    """
    if wanted:
        folded = {lang.casefold(): lang for lang in available}
        if wanted.casefold() in folded:
            return folded[wanted.casefold()]
        for lang in available:
            if lang.casefold() == _base(wanted):
                return lang
        for lang in available:
            if _base(lang) == _base(wanted):
                return lang
    return available[0]


def _code(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _load_members(
    ref: str, texts: Paths, instruments_dir: Paths
) -> tuple[Literal["instrument", "battery"], list[Instrument], Battery | None]:
    from relscales.instruments.battery import load_battery
    from relscales.instruments.kinds import file_kind
    from relscales.instruments.loader import load_instrument
    from relscales.instruments.registry import resolve_instrument
    from relscales.instruments.texts import apply_overlays

    path = resolve_instrument(ref, extra_dirs=instruments_dir)
    if file_kind(path) == "battery":
        battery = load_battery(path, instruments_dir=instruments_dir)
        members = [apply_overlays(m, texts) for m in battery.members]
        return "battery", members, dataclasses.replace(battery, members=tuple(members))
    instrument = apply_overlays(load_instrument(path, instruments_dir=instruments_dir), texts)
    return "instrument", [instrument], None


def _no_wording(instrument: Instrument) -> Issue:
    published = instrument.spec.license.item_text == "not-included"
    why = (
        "ships without its item wording (a published instrument: relscales bundles its "
        "scoring key only)"
        if published
        else "has items without wording in any one language"
    )
    return Issue(
        "missing-item-text",
        f"'{instrument.id}' {why}, so it cannot be administered",
        Location(file=instrument.source, instrument=instrument.id),
        hint="give the wording in a text overlay, --texts FILE; see "
        "docs/authoring.md#text-overlays",
    )


def load_questionnaire(
    ref: str,
    *,
    texts: Paths = (),
    language: str | None = None,
    instruments_dir: Paths = (),
) -> Questionnaire:
    """Load an instrument or battery for administration.

    Parameters
    ----------
    ref
        A bundled id, an id in ``instruments_dir``, or a YAML path (instrument or battery).
    texts
        Text overlay files; those written for the instrument (or a battery member) are
        applied.
    language
        The respondent's language. Each member instrument is shown in it when it has
        complete wording in it (or in its base language: ``pt`` for ``pt-BR``), else in
        its first complete language, with a notice.
    instruments_dir
        Extra instrument folders.

    Raises
    ------
    SpecError
        ``missing-item-text`` for a member without complete wording in any language;
        ``duplicate-column`` when two battery members read the same data column; any
        error of loading the files.

    Examples
    --------
    >>> q = load_questionnaire("risi")
    >>> q.kind, len(q.questions), q.questions[0].key, q.questions[0].choices[2].describe()
    ('instrument', 97, 'risi.cx_past', '3 Yes, more than one')
    >>> rec = q.question("risi.ip_rec4")
    >>> rec.stem_starts, rec.stem
    (True, 'Across your past relationships, how true is each statement for you?')
    >>> [c.describe() for c in rec.choices][-2:]
    ['5 Completely true', 'n Does not apply']
    """
    from relscales.scoring.compile import compile_battery, compile_instrument

    kind, members, battery = _load_members(ref, texts, instruments_dir)
    missing = [_no_wording(m) for m in members if not complete_languages(m)]
    if missing:
        raise SpecError(missing)
    notices: list[str] = []
    sections: list[Section] = []
    questions: list[Question] = []
    columns: dict[str, str] = {}
    for member in members:
        available = complete_languages(member)
        lang = pick_language(available, language)
        if language and _base(lang) != _base(language):
            partial = sum(
                any(_base(t) == _base(language) for t in (item.text or {})) for item in member.items
            )
            detail = f" (only {partial} of {len(member.items)} items are translated)" * bool(
                partial
            )
            notices.append(
                f"{member.name} has no wording in '{language}'{detail}; it is shown in '{lang}'."
            )
        spec = member.spec
        instructions = dict(spec.instructions or {})
        ins_lang = pick_language(list(instructions), lang) if instructions else None
        first = len(questions)
        conditions = _conditions(spec)
        for item in member.items:
            column = item.column or item.id
            if column in columns and columns[column] != member.id:
                raise SpecError(
                    Issue(
                        "duplicate-column",
                        f"'{columns[column]}' and '{member.id}' both read the data column "
                        f"'{column}', so one answer would count for both",
                        Location(instrument=member.id, object_id=item.id),
                        hint="give the battery members distinct item ids or columns",
                    )
                )
            columns[column] = member.id
            scale = spec.response_scales[item.scale]
            choices = tuple(Choice(float(v), _code(v), scale.labels.get(v)) for v in scale.values)
            choices += tuple(
                Choice(
                    float(v),
                    NOT_APPLICABLE_KEY + (str(k + 1) if k else ""),
                    scale.labels.get(v) or NOT_APPLICABLE_LABEL,
                    not_applicable=True,
                )
                for k, v in enumerate(scale.not_applicable)
            )
            text = (item.text or {})[lang]
            stems = dict(scale.stem or {})
            stem_lang = pick_language(list(stems), lang) if stems else None
            stem = stems[stem_lang] if stem_lang else None
            previous = questions[-1] if len(questions) > first else None
            own = stem is not None and " ".join(stem.split()) == " ".join(text.split())
            starts = stem is not None and not own and (previous is None or previous.stem != stem)
            questions.append(
                Question(
                    key=f"{member.id}.{item.id}",
                    instrument=member.id,
                    item=item.id,
                    column=column,
                    number=len(questions) + 1,
                    text=text,
                    choices=choices,
                    section=len(sections),
                    stem=stem,
                    stem_starts=starts,
                    context=item.context,
                    stem_language=stem_lang,
                    asked_when=(
                        (f"{member.id}.{conditions[item.id][0]}", conditions[item.id][1])
                        if item.id in conditions
                        else None
                    ),
                )
            )
        sections.append(
            Section(
                instrument=member.id,
                name=member.name,
                language=lang,
                instructions=instructions[ins_lang] if ins_lang else None,
                instructions_language=ins_lang,
                status=spec.validation.status,
                first=first,
                count=len(questions) - first,
            )
        )
    if battery is not None:
        compiled_battery = compile_battery(battery)
        spec_b = compiled_battery.battery.spec
        return Questionnaire(
            id=spec_b.id,
            name=spec_b.name,
            version=spec_b.version,
            kind=kind,
            status=spec_b.validation.status,
            language=sections[0].language,
            notices=tuple(notices),
            sections=tuple(sections),
            questions=tuple(questions),
            compiled=compiled_battery.members,
            battery=compiled_battery,
        )
    only = members[0]
    return Questionnaire(
        id=only.id,
        name=only.name,
        version=only.version,
        kind=kind,
        status=only.spec.validation.status,
        language=sections[0].language,
        notices=tuple(notices),
        sections=tuple(sections),
        questions=tuple(questions),
        compiled=(compile_instrument(only),),
    )


@dataclass(frozen=True, slots=True)
class TakeableEntry:
    """One line of the list of what can be taken.

    Attributes
    ----------
    id, name, kind, n_items, status
        Identity, ``instrument`` or ``battery``, number of questions, validation status.
    languages
        Languages with complete wording (for a battery: those every member has).
    """

    id: str
    name: str
    kind: str
    n_items: int
    status: str
    languages: tuple[str, ...]


def takeable(
    *, texts: Paths = (), instruments_dir: Paths = (), only: Sequence[str] = ()
) -> list[TakeableEntry]:
    """List the instruments and batteries that can be administered, sorted by id.

    An instrument can be administered when every item has wording in at least one
    language (with the overlays in ``texts`` applied); a battery when all its members
    can. Files that do not load are left out. ``only`` restricts the list to these ids.

    Examples
    --------
    >>> [entry.id for entry in takeable()]
    ['risi', 'rrss']
    """
    from relscales.instruments.registry import available_instruments

    refs = list(only) if only else sorted(available_instruments(instruments_dir))
    out: list[TakeableEntry] = []
    for ref in refs:
        try:
            kind, members, battery = _load_members(ref, texts, instruments_dir)
        except RelscalesError:
            continue
        langs = [complete_languages(m) for m in members]
        if not all(langs):
            continue
        common = tuple(lang for lang in langs[0] if all(lang in other for other in langs[1:]))
        head = battery.spec if battery is not None else members[0].spec
        out.append(
            TakeableEntry(
                id=head.id,
                name=head.name,
                kind=kind,
                n_items=sum(len(m.items) for m in members),
                status=head.validation.status,
                languages=common,
            )
        )
    return sorted(out, key=lambda e: e.id)


def _conditions(spec: InstrumentSpec) -> dict[str, tuple[str, tuple[float, ...]]]:
    """Item id -> (context item, codes) for items that count only under ``applies_when``.

    An item qualifies when it belongs to at least one subscale and every subscale it belongs
    to applies under the same context item and codes.
    """
    found: dict[str, set[tuple[str, tuple[float, ...]] | None]] = {}
    for sub in spec.subscales:
        when = sub.applies_when
        key = (when.item, tuple(float(c) for c in when.codes)) if when is not None else None
        for item_id in sub.items:
            found.setdefault(item_id, set()).add(key)
    out: dict[str, tuple[str, tuple[float, ...]]] = {}
    for item_id, keys in found.items():
        (only,) = keys if len(keys) == 1 else (None,)
        if only is not None:
            out[item_id] = only
    return out
