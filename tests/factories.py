"""Small builders for test questions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.engine.model import Grade, Kind, Question, Theme


def make_question(
    qid: str,
    *,
    theme: Theme = Theme.LAW,
    difficulty: int = 1,
    kind: Kind = Kind.SINGLE,
    grades: tuple[Grade, ...] = (Grade.PRIMARY, Grade.JUNIOR, Grade.SENIOR),
    answer: str | None = None,
) -> Question:
    """A valid question; judge questions get 正确/错误, multiple ones four options and answer AC."""
    if kind is Kind.JUDGE:
        options, default = ("正确", "错误"), "A"
    elif kind is Kind.MULTIPLE:
        options, default = ("甲", "乙", "丙", "丁"), "AC"
    else:
        options, default = ("甲", "乙", "丙", "丁"), "B"
    return Question(
        id=qid,
        theme=theme,
        grades=frozenset(grades),
        kind=kind,
        difficulty=difficulty,
        text=f"题目 {qid}？",
        options=options,
        answer=answer or default,
        explanation=f"解释 {qid}",
        source="测试来源",
    )


def small_bank() -> list[Question]:
    """24 questions: 4 per theme for 6 themes, difficulties 1,1,2,3, mixed kinds."""
    questions = []
    kinds = (Kind.SINGLE, Kind.JUDGE, Kind.MULTIPLE, Kind.SINGLE)
    for theme in list(Theme)[:6]:
        for i, difficulty in enumerate((1, 1, 2, 3)):
            questions.append(make_question(f"{theme.value}-{i:03d}", theme=theme, difficulty=difficulty, kind=kinds[i]))
    return questions


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move forward by a ``timedelta(**delta)``."""
        self.now += timedelta(**delta)


def fill_class(services, code: str, *, rng, names=("王小明", "李华", "张伟"), players: int = 2) -> list:
    """Students join the class ``code`` with roster names; the first ``players`` play a round (70% right)."""
    from bot.services import Identity

    students = []
    for n, name in enumerate(names):
        who = Identity("telegram", str(100 + n))
        services.classes.join(who, code)
        services.classes.give_roster_name(who, name)
        students.append(who)
        view = services.quiz.start_round(who) if n < players else None
        while view is not None:
            wrong = next(letter for letter, _ in view.options if letter not in view.answer_shown)
            letters = view.answer_shown if rng.random() < 0.7 else wrong
            view = services.quiz.answer(who, view.round_id, view.position, letters).next_question
    return students
