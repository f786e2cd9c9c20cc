"""The terminal quiz: the same services as the bot, on standard input and output.

Works without a terminal too: ``printf 'A\\nB\\n' | jindu console -n 2`` plays two questions.
"""

from __future__ import annotations

import sys
from typing import TextIO

from bot.engine.model import LETTERS, Grade, Kind, Theme
from bot.services import Identity, NoQuestions, QuizService, RoundSummary
from bot.services.views import AnswerOutcome, QuestionView

CHANNEL = "console"

# All wording of the terminal quiz.
T_WELCOME = "禁毒知识答题（终端版）· {name}，本轮共 {total} 题。输入选项字母作答，多选题连写字母（如 AC）。"
T_QUESTION = "\n第 {number}/{total} 题 [{theme} · {kind}]\n{text}"
T_OPTION = "  {letter}. {text}"
T_PROMPT_SINGLE = "你的答案（{letters}）："
T_PROMPT_MULTIPLE = "你的答案（多选，如 {example}）："
T_PROMPT_JUDGE = "你的答案（A 正确 / B 错误，也可输入 对/错、T/F）："
T_HINT = "没看懂这个答案。请输入 {letters} 中的字母{multi}。"
T_HINT_MULTI = "，多选题可连写（如 AC）"
T_RIGHT = "✅ 回答正确！+{points} 分"
T_RIGHT_NO_POINTS = "✅ 回答正确！（这道题以前已得过分）"
T_WRONG = "❌ 回答错误。你选了 {chosen}，正确答案是 {answer}。"
T_EXPLANATION = "📖 {explanation}\n📚 来源：{source}"
T_SUMMARY = "\n本轮结束：答对 {correct}/{total} 题，本轮得分 {earned}，总积分 {total_points}，连续答题 {streak} 天。"
T_REVIEW = "建议复习主题：{theme}"
T_ALL_RIGHT = "全部答对，太棒了！"
T_EOF = "\n输入结束，本轮已作答 {answered} 题，答案已保存。"
T_NO_QUESTIONS = "没有符合条件的题目（主题 {theme}，学段 {grade}）。"

_JUDGE_WORDS = {
    "对": "A",
    "正确": "A",
    "T": "A",
    "TRUE": "A",
    "√": "A",
    "错": "B",
    "错误": "B",
    "F": "B",
    "FALSE": "B",
    "×": "B",
}


def parse_answer(raw: str, view: QuestionView) -> str | None:
    """Shown letters from one line of input, or None when it is not a valid answer."""
    text = raw.strip().upper().replace(" ", "").replace(",", "").replace("，", "")
    if view.question.kind is Kind.JUDGE and text in _JUDGE_WORDS:
        return _JUDGE_WORDS[text]
    letters = LETTERS[: len(view.question.options)]
    if not text or any(ch not in letters for ch in text) or len(set(text)) != len(text):
        return None
    if view.question.kind is Kind.MULTIPLE:
        return "".join(sorted(text))
    return text if len(text) == 1 else None


def render_question(view: QuestionView) -> str:
    """The question with its options as shown in the terminal."""
    q = view.question
    lines = [
        T_QUESTION.format(number=view.number, total=view.total, theme=q.theme.label, kind=q.kind.label, text=q.text)
    ]
    lines += [T_OPTION.format(letter=letter, text=text) for letter, text in view.options]
    return "\n".join(lines)


def render_outcome(outcome: AnswerOutcome) -> str:
    """Right or wrong, the right answer, the explanation and the source."""
    if outcome.correct:
        head = T_RIGHT.format(points=outcome.points) if outcome.points else T_RIGHT_NO_POINTS
    else:
        head = T_WRONG.format(chosen=outcome.chosen_shown, answer=outcome.view.answer_shown)
    q = outcome.view.question
    return f"{head}\n{T_EXPLANATION.format(explanation=q.explanation, source=q.source)}"


def render_summary(summary: RoundSummary) -> str:
    """Score, points, streak and the theme to review."""
    text = T_SUMMARY.format(
        correct=summary.correct,
        total=summary.answered,
        earned=summary.points_earned,
        total_points=summary.total_points,
        streak=summary.streak,
    )
    tail = T_REVIEW.format(theme=summary.weakest_theme.label) if summary.weakest_theme else T_ALL_RIGHT
    return f"{text}\n{tail}"


def _prompt(view: QuestionView) -> str:
    letters = LETTERS[: len(view.question.options)]
    if view.question.kind is Kind.JUDGE:
        return T_PROMPT_JUDGE
    if view.question.kind is Kind.MULTIPLE:
        return T_PROMPT_MULTIPLE.format(example=letters[0] + letters[2 % len(letters)])
    return T_PROMPT_SINGLE.format(letters="/".join(letters))


def play(
    service: QuizService,
    *,
    name: str,
    size: int,
    theme: Theme | None = None,
    grade: Grade | None = None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> int:
    """Play one round in the terminal; returns the exit code."""
    who = Identity(CHANNEL, name, display_name=name)

    def say(text: str = "", end: str = "\n") -> None:
        stdout.write(text + end)
        stdout.flush()

    try:
        view = service.start_round(who, theme=theme, grade=grade, size=size)
    except NoQuestions:
        say(T_NO_QUESTIONS.format(theme=theme.label if theme else "全部", grade=grade.label if grade else "全部"))
        return 1
    terminal_echoes = stdin.isatty()
    say(T_WELCOME.format(name=name, total=view.total))
    answered = 0
    current: QuestionView | None = view
    while current is not None:
        say(render_question(current))
        while True:
            say(_prompt(current), end="")
            line = stdin.readline()
            if not line:  # end of input: what was answered is already stored
                say(T_EOF.format(answered=answered))
                return 0
            if not terminal_echoes:
                say(line.rstrip("\n"))  # piped input: keep the transcript readable
            shown = parse_answer(line, current)
            if shown is not None:
                break
            multi = T_HINT_MULTI if current.question.kind is Kind.MULTIPLE else ""
            say(T_HINT.format(letters="/".join(LETTERS[: len(current.question.options)]), multi=multi))
        outcome = service.answer(who, current.round_id, current.position, shown)
        answered += 1
        say(render_outcome(outcome))
        current = outcome.next_question
    say(render_summary(service.summary(who, view.round_id)))
    return 0
