"""Every word the Telegram bot says, 简体中文 first, and the functions that fill them in."""

from __future__ import annotations

from datetime import date

from bot.engine.model import Grade, Kind, Theme
from bot.engine.names import NICKNAME_MAX, NicknameProblem
from bot.engine.periods import BOARD_PERIODS, Period
from bot.services import AnswerOutcome, Profile, QuestionView, RoundSummary, UserStats
from bot.services.reports import Board, ClassReport

MAX_MESSAGE = 4096  # Telegram's limit for one message

COMMANDS = [
    ("quiz", "开始答题（每轮10题）"),
    ("review", "复习错题"),
    ("me", "我的积分与正确率"),
    ("rank", "排行榜（本周/本月/全部）"),
    ("join", "加入班级：/join 加入码"),
    ("leave", "离开班级"),
    ("name", "改正班级里的姓名"),
    ("remind", "开关提醒：/remind on 或 /remind off"),
    ("nickname", "设置排行榜昵称"),
    ("help", "使用说明"),
    ("forget", "删除我的全部数据"),
    ("start", "重新开始"),
]

WELCOME = (
    "你好！我是禁毒知识答题机器人 🛡️\n"
    "这里的题目来自青骄第二课堂的学习主题和权威资料，帮你认识毒品、学会拒绝、了解法律。\n\n"
    "怎么玩：发送 /quiz 选一个主题，每轮10道题，点按钮作答，每题都有解析和出处。答错的题可以用 /review 复习。\n\n"
    "我们保存什么：你的昵称（默认是随机生成的化名）、学段和答题记录，只用于计分、排行榜和复习。"
    "排行榜只显示昵称，不显示你的 Telegram 名字；加入班级时填写的姓名只有本班老师能看到。"
    "发送 /forget 可以随时删除全部数据。\n\n"
    "🔔 禁毒宣传月、纪念日和竞赛季，我会提醒你答题（晚上9点到早上7点半不打扰），发送 /remind off 可以关闭。"
)
WELCOME_BACK = "欢迎回来，{nickname}！发送 /quiz 开始新一轮答题，/help 查看全部命令。"
ASK_GRADE = "请先选择你的学段（只需选一次）："
GRADE_SET = "好的，学段已设为「{grade}」。发送 /quiz 开始答题吧！"
GRADE_BUTTONS = {Grade.PRIMARY: "小学", Grade.JUNIOR: "初中", Grade.SENIOR: "高中·中职"}

PICK_THEME = "请选择答题主题："
QUIZ_USAGE = (
    "用法：/quiz 或 /quiz 主题。主题可选：" + "、".join(f"{t.value}（{t.label}）" for t in Theme) + "、all（综合随机）"
)
ALL_THEMES = "综合随机"
ROUND_STARTED = "开始答题：{theme}，共 {total} 题。"
REVIEW_STARTED = "开始复习错题：共 {total} 题（复习不计入排行榜积分）。"
NO_QUESTIONS = "这个主题暂时没有适合你学段的题目，换一个主题试试吧。"
NOTHING_TO_REVIEW = "现在没有需要复习的错题 👍 答错的题会在合适的时间回到这里。"

KIND_HINTS = {Kind.SINGLE: "单选题", Kind.MULTIPLE: "多选题 · 选好后点「提交」", Kind.JUDGE: "判断题"}
QUESTION = "{tag}第 {number}/{total} 题 · {theme} · {kind}\n\n{text}"
REVIEW_TAG = "【复习】"
OPTION = "{letter}. {text}"
JUDGE_TRUE, JUDGE_FALSE = "✅ 正确", "❌ 错误"
SUBMIT = "提交"
YOUR_CHOICE = "你的选择：{chosen}"
RIGHT = "✅ 回答正确！{points}"
POINTS = "+{points} 分"
NO_POINTS_AGAIN = "（这题以前已得过分）"
NO_POINTS_REVIEW = "（复习不计分）"
WRONG = "❌ 回答错误。正确答案：{answer}"
EXPLANATION = "📖 {explanation}\n📚 来源：{source}"
TOAST_RIGHT, TOAST_WRONG = "回答正确 ✅", "回答错误 ❌"

SUMMARY = "🏁 本轮结束！\n答对 {correct}/{total} 题\n本轮得分：{earned}\n总积分：{total_points}\n连续答题：{streak} 天"
SUMMARY_REVIEW = "🏁 复习结束！答对 {correct}/{total} 题。"
WEAKEST = "建议复习：{theme}"
ALL_RIGHT = "全部答对，太棒了！"
AGAIN = "再来一轮"
REVIEW_BUTTON = "复习错题"

ME = (
    "👤 {nickname}\n总积分：{points}\n完成轮数：{rounds}\n总正确率：{accuracy}\n连续答题：{streak} 天\n"
    "待复习错题：{due} 道"
)
ME_THEME = "· {theme}：{right}/{total}（{percent}%）"
ME_EMPTY = "还没有答题记录，发送 /quiz 开始吧！"

NICKNAME_USAGE = f"用法：/nickname 昵称（1-{NICKNAME_MAX}个字，不能包含链接、@ 或特殊控制字符）"
NICKNAME_SET = "昵称已设为「{nickname}」，排行榜上会显示这个名字。"
NICKNAME_REASONS = {
    NicknameProblem.EMPTY: "昵称不能为空。",
    NicknameProblem.TOO_LONG: f"昵称太长了，最多 {NICKNAME_MAX} 个字。",
    NicknameProblem.LINK: "昵称里不能有链接或网址。",
    NicknameProblem.MENTION: "昵称里不能有 @ 提及。",
    NicknameProblem.CONTROL: "昵称里有不可见的特殊字符，请换一个。",
}

FORGET_ASK = "确定要删除你的全部数据吗？积分、答题记录和错题都会被永久删除，无法恢复。"
FORGET_YES, FORGET_NO = "确认删除", "取消"
FORGET_DONE = "已删除你的全部数据。以后再发送 /start，就会作为新同学重新开始。"
FORGET_NOTHING = "我们没有保存你的任何数据。"
FORGET_CANCELLED = "已取消，你的数据都还在。"

HELP = (
    "📋 命令\n"
    "/quiz 选主题开始一轮答题（10题）\n"
    "/review 复习答错的题（按遗忘规律安排）\n"
    "/me 查看积分、正确率和连续答题天数\n"
    "/nickname 昵称：设置排行榜上显示的名字\n"
    "/rank 班级排行榜（不在班级时是全体排行榜）\n"
    "/join 加入码：加入老师的班级；/leave 离开班级；/name 姓名：改正姓名\n"
    "/remind off 关闭提醒，/remind on 重新打开（提醒不会在晚上9点到早上7点半之间发送）\n"
    "/forget 删除你的全部数据\n\n"
    "🏆 积分\n"
    "简单题10分、中等题15分、难题20分。同一道题只有第一次答对才得分，重复刷题不会加分；复习不计分。"
    "每天完成至少一轮，连续天数就会增加。"
)
USE_BUTTONS = "请点击题目下方的按钮作答。这是你现在的题目："
CONTINUE_OR_NEW = "你有一轮还没答完（第 {number}/{total} 题）。继续这一轮，还是开始新的一轮？"
CONTINUE_BUTTON = "继续本轮"
NEW_ROUND_BUTTON = "新的一轮"
CONTINUING = "继续本轮：第 {number}/{total} 题 👇"
TOAST_RESHOWN = "这道题已作答，你现在的题目在下方 👇"
NOT_IN_ROUND = "想答题吗？发送 /quiz 开始，/help 查看全部命令。"
UNKNOWN_COMMAND = "没有这个命令。发送 /help 查看可用命令。"

ALERT_ANSWERED = "已作答"
ALERT_STALE = "这道题已失效（本轮已结束或已开始新一轮）。发送 /quiz 开始新一轮。"
ALERT_BAD_BUTTON = "这个按钮无法识别，请发送 /quiz 重新开始。"
ALERT_PICK_ONE = "请至少选择一个选项再提交。"
ERROR = "抱歉，刚才出了点问题，请稍后再试。"
BUSY = "同时使用的同学太多，服务器正忙，这一下没有生效。请几秒后再试一次。"


_THEME_WORDS: dict[str, Theme | None] = (
    {t.value: t for t in Theme} | {t.label: t for t in Theme} | {"all": None, "综合": None, ALL_THEMES: None}
)


def theme_from_words(words: str) -> tuple[bool, Theme | None]:
    """Read a theme typed after /quiz: (understood, theme); theme None means all themes."""
    key = words.strip().lower()
    return (key in _THEME_WORDS, _THEME_WORDS.get(key))


def fit(text: str) -> str:
    """Cut a message to Telegram's length limit."""
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def theme_label(theme: Theme | None) -> str:
    """The display name of a theme, or 综合随机 for all themes."""
    return theme.label if theme else ALL_THEMES


def welcome(profile: Profile) -> str:
    """The /start greeting."""
    text = WELCOME if profile.is_new or profile.grade is None else WELCOME_BACK.format(nickname=profile.nickname)
    return text + ("\n\n" + ASK_GRADE if profile.grade is None else "")


def question(view: QuestionView) -> str:
    """A question with its lettered options."""
    q = view.question
    head = QUESTION.format(
        tag=REVIEW_TAG if view.review else "",
        number=view.number,
        total=view.total,
        theme=q.theme.label,
        kind=KIND_HINTS[q.kind],
        text=q.text,
    )
    if q.kind is Kind.JUDGE:
        return fit(head)
    options = "\n".join(OPTION.format(letter=letter, text=text) for letter, text in view.options)
    return fit(f"{head}\n\n{options}")


def _letters_text(view: QuestionView, letters: str) -> str:
    if view.question.kind is Kind.JUDGE:
        return "、".join(dict(view.options)[letter] for letter in letters)
    return letters


def outcome(result: AnswerOutcome) -> str:
    """The answered question: the choice, right or wrong, the right answer, explanation and source."""
    view = result.view
    lines = [question(view), "", YOUR_CHOICE.format(chosen=_letters_text(view, result.chosen_shown))]
    if result.correct:
        if view.review:
            bonus = NO_POINTS_REVIEW
        else:
            bonus = POINTS.format(points=result.points) if result.points else NO_POINTS_AGAIN
        lines.append(RIGHT.format(points=bonus))
    else:
        lines.append(WRONG.format(answer=_letters_text(view, view.answer_shown)))
    lines.append(EXPLANATION.format(explanation=view.question.explanation, source=view.question.source))
    return fit("\n".join(lines))


def summary(result: RoundSummary) -> str:
    """The end of a round (a review round has no points to show)."""
    if result.review:
        text = SUMMARY_REVIEW.format(correct=result.correct, total=result.answered)
    else:
        text = SUMMARY.format(
            correct=result.correct,
            total=result.answered,
            earned=result.points_earned,
            total_points=result.total_points,
            streak=result.streak,
        )
    tail = WEAKEST.format(theme=result.weakest_theme.label) if result.weakest_theme else ALL_RIGHT
    return f"{text}\n{tail}"


def stats(data: UserStats) -> str:
    """The /me report."""
    if not data.answered:
        return f"👤 {data.nickname}\n{ME_EMPTY}"
    accuracy = f"{100 * data.correct // data.answered}%"
    lines = [
        ME.format(
            nickname=data.nickname,
            points=data.total_points,
            rounds=data.rounds,
            accuracy=accuracy,
            streak=data.streak,
            due=data.reviews_due,
        ),
        "",
    ]
    for theme in Theme:
        if theme in data.accuracy:
            right, total = data.accuracy[theme]
            lines.append(ME_THEME.format(theme=theme.label, right=right, total=total, percent=100 * right // total))
    return fit("\n".join(lines))


# -- teachers and classes ------------------------------------------------------------------------

ADMIN_ONLY = "只有管理员可以生成教师邀请码。"
TEACHER_ONLY = "这个命令只有老师可以使用。老师请先用管理员给的邀请码发送 /teacher 邀请码。"
INVITES = "教师邀请码（每个只能用一次，7天内有效）：\n{codes}\n\n请老师在私聊中发送 /teacher 邀请码。"
TEACHER_USAGE = "用法：/teacher 邀请码"
TEACHER_DONE = "✅ 你已成为老师。发送 /newclass 班级名 创建班级，例如：/newclass 初二(3)班"
CODE_INVALID = "无效或已过期"
TOO_MANY_CODES = "输错次数太多，请一小时后再试。"
NEWCLASS_USAGE = "用法：/newclass 班级名（1-32个字），例如：/newclass 初二(3)班"
CLASS_NAME_REJECTED = "班级名需要 1-32 个字，不能包含特殊控制字符。"
CLASS_NAME_TAKEN = "你已经有一个叫「{name}」的班级了，换个名字吧（例如加上年级或学期）。"
CLASS_CREATED = (
    "🏫 已创建班级「{name}」\n加入码：{code}\n\n请学生点击这个链接加入：\n{link}\n"
    "或在私聊中发送：/join {code}\n\n学生加入时会填写姓名，姓名只有本班老师能看到。"
)
NO_CLASSES = "你还没有班级。发送 /newclass 班级名 创建一个。"
MY_CLASSES = "🏫 我的班级"
MY_CLASS_LINE = "· {name}：{members} 人，加入码 {code}{closed}"
CLOSED_MARK = "（已停止加入）"
CLASS_CLOSED_DONE = "班级「{name}」已停止接受新同学加入，已加入的同学不受影响。"
CLASS_UNKNOWN = "没有找到这个班级。发送 /myclasses 查看你的班级和加入码。"
CHOOSE_CLASS = "你有多个班级，请在命令后写上班级名或加入码，例如：/{command} {example}\n你的班级：{names}"

JOIN_USAGE = "用法：/join 加入码（向老师要，或点击老师发的链接）"
JOIN_ASK_NAME = "欢迎加入「{name}」！请发送你的真实姓名（1-20个字），只有本班老师能看到，排行榜上只显示昵称。"
JOIN_ALREADY = "你已经在「{name}」了。"
JOIN_CONFIRM = "你现在在「{current}」。要离开它，加入「{name}」吗？"
JOIN_SWITCH_YES, JOIN_SWITCH_NO = "换到新班级", "留在原班级"
JOIN_KEPT = "好的，你还在原来的班级。"
JOIN_CLOSED = "班级「{name}」已停止接受新同学加入，请联系老师。"
ROSTER_REJECTED = "姓名需要 1-20 个字，不能包含特殊字符。请重新发送你的姓名："
ROSTER_SAVED = (
    "好的，已记下。你现在是「{name}」的同学了，发送 /rank 看班级排行榜，/quiz 开始答题。"
    "姓名写错了可以发送 /name 姓名 改正。"
)
NAME_USAGE = "用法：/name 姓名（1-20个字，只有本班老师能看到）"
LEFT_CLASS = "你已离开「{name}」，你的积分和答题记录都还在。"
NOT_IN_CLASS = "你现在没有加入班级。"

RANK_TITLE_CLASS = "🏆 {name} · {period}排行榜"
RANK_TITLE_ALL = "🏆 全体同学 · {period}排行榜"
RANK_LINE = "{medal} {nickname}  {points} 分"
RANK_ME = "……\n👉 第 {place} 名 你（{nickname}）{points} 分"
RANK_EMPTY = "这段时间还没有人得分，发送 /quiz 开始答题吧！"
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
BOARD_TITLE = "📋 {name} · {period}排行（仅老师可见姓名）"
BOARD_LINE = "{place}. {roster}（{nickname}）{points} 分 · 正确率 {accuracy} · {rounds} 轮"
BOARD_NO_ROSTER = "未填姓名"
PERIOD_USAGE = "时间范围可选：week（本周）、month（本月）、all（全部）"
REPORT = (
    "📊 {name} · {period}报告\n"
    "参与率：{participants}/{members}（{participation}）\n"
    "平均正确率：{average}\n及格率（≥60%）：{passed}\n优秀率（≥85%）：{excellent}"
)
REPORT_THEMES = "各主题正确率："
REPORT_THEME_LINE = "· {theme}：{percent}（{right}/{total}）"
REPORT_MISSED = "错得最多的题："
REPORT_MISSED_LINE = "{n}. {text}\n   {missed}/{answered} 人答错（{share}）· 正确答案：{answer}"
REPORT_NONE = "—"
EXPORT_CAPTION = "「{name}」成绩表（CSV，可用 Excel 或 WPS 打开）"


def percent(value: float | None) -> str:
    """``0.756`` -> ``76%``; None -> ``—``."""
    return REPORT_NONE if value is None else f"{100 * value:.0f}%"


TEACHER_HELP = (
    "\n\n👩‍🏫 老师\n"
    "/newclass 班级名：创建班级，得到加入码和链接\n"
    "/myclasses 我的班级、人数和加入码\n"
    "/closeclass [班级]：停止新同学加入\n"
    "/leaderboard [班级] [week|month|all]：带姓名的排行\n"
    "/report [班级] [week|month|all]：参与率、正确率、错题和图表\n"
    "/export [班级]：导出成绩表 CSV\n"
    "/web 教师网页的登录链接（班级、报告和课堂大屏）\n"
    "/assign [班级] 题数 [主题] 截止日期：布置答题任务，例如 /assign 10 law 2026-06-20"
)

_PERIOD_WORDS = {p.value: p for p in BOARD_PERIODS} | {p.label: p for p in BOARD_PERIODS}


def split_period(args: list[str]) -> tuple[str | None, Period | None]:
    """``[班级] [period]`` -> (class words or None, period or None); an unknown last word is part of the class."""
    if args and args[-1].lower() in _PERIOD_WORDS:
        return (" ".join(args[:-1]) or None), _PERIOD_WORDS[args[-1].lower()]
    return (" ".join(args) or None), None


def rank_board(board: Board) -> str:
    """A student's leaderboard (nicknames only)."""
    if board.class_name:
        title = RANK_TITLE_CLASS.format(name=board.class_name, period=board.period.label)
    else:
        title = RANK_TITLE_ALL.format(period=board.period.label)
    if not board.rows or (all(r.points == 0 for r in board.rows) and board.me is None):
        return f"{title}\n\n{RANK_EMPTY}"
    lines = [title, ""]
    for row in board.rows:
        line = RANK_LINE.format(medal=MEDALS.get(row.place, f"{row.place}."), nickname=row.nickname, points=row.points)
        lines.append(f"{line} 👈" if row.mine else line)
    if board.me is not None:
        lines.append(RANK_ME.format(place=board.me.place, nickname=board.me.nickname, points=board.me.points))
    return fit("\n".join(lines))


def teacher_board(board: Board) -> str:
    """A teacher's class ranking with roster names."""
    lines = [BOARD_TITLE.format(name=board.class_name, period=board.period.label), ""]
    for row in board.rows:
        lines.append(
            BOARD_LINE.format(
                place=row.place,
                roster=row.roster_name or BOARD_NO_ROSTER,
                nickname=row.nickname,
                points=row.points,
                accuracy=percent(row.accuracy) if row.rounds or row.points else REPORT_NONE,
                rounds=row.rounds,
            )
        )
    return fit("\n".join(lines))


def class_report(report: ClassReport) -> str:
    """The text of /report (the chart comes as a photo)."""
    lines = [
        REPORT.format(
            name=report.class_name,
            period=report.period.label,
            participants=report.participants,
            members=report.members,
            participation=percent(report.participation),
            average=percent(report.average_accuracy),
            passed=percent(report.pass_rate),
            excellent=percent(report.excellent_rate),
        )
    ]
    if report.themes:
        lines += ["", REPORT_THEMES]
        for theme in Theme:
            if theme in report.themes and report.themes[theme][1]:
                right, total = report.themes[theme]
                lines.append(
                    REPORT_THEME_LINE.format(
                        theme=theme.label, percent=percent(right / total), right=right, total=total
                    )
                )
    if report.most_missed:
        lines += ["", REPORT_MISSED]
        for n, item in enumerate(report.most_missed, 1):
            q = item.question
            answer = "、".join(q.options[ord(letter) - 65] for letter in q.answer)
            lines.append(
                REPORT_MISSED_LINE.format(
                    n=n,
                    text=q.text,
                    missed=item.missed,
                    answered=item.answered,
                    share=percent(item.share),
                    answer=answer,
                )
            )
    if report.assignments:
        lines += ["", REPORT_ASSIGNMENTS]
        for task in report.assignments:
            names = ("：" + "、".join(task.finished)) if task.finished else ""
            lines.append(
                REPORT_ASSIGNMENT_LINE.format(
                    theme=theme_label(task.theme),
                    size=task.size,
                    deadline=task.deadline.isoformat(),
                    done=len(task.finished),
                    names=names,
                )
            )
    return fit("\n".join(lines))


# -- reminders -----------------------------------------------------------------------------------

REMIND_USAGE = "用法：/remind on 打开提醒，/remind off 关闭提醒。"
REMIND_ON = "🔔 已打开提醒：宣传月、纪念日和竞赛季会提醒你答题（晚上9点到早上7点半不打扰）。"
REMIND_OFF = "🔕 已关闭提醒。想再收到时发送 /remind on。老师布置的班级任务仍会通知你。"
DAILY_BUTTON = "开始今日一题"
QUIZ_BUTTON = "开始答题"
ASSIGNMENT = "📚 老师布置了答题任务：{theme}，共 {size} 题，请在 {deadline} 前完成。"
ASSIGNMENT_DUE = "⏰ 提醒：老师布置的答题任务（{theme}，{size} 题）明天 {deadline} 截止，你还没有完成哦。"
ASSIGNMENT_BUTTON = "开始任务"
ASSIGN_USAGE = (
    "用法：/assign [班级] 题数 [主题] 截止日期，例如：/assign 10 law 2026-06-20 或 /assign 初二(3)班 5 2026-06-20\n"
    "题数 1-20；主题可不写（综合）；截止日期写成 年-月-日。"
)
ASSIGN_PAST = "截止日期不能早于今天。"
ASSIGN_DONE = (
    "✅ 已给「{name}」布置任务：{theme}，{size} 题，截止 {deadline}。"
    "一分钟内会通知全班，截止前一天18:00会提醒还没完成的同学。"
)
REPORT_ASSIGNMENTS = "答题任务："
REPORT_ASSIGNMENT_LINE = "· {theme} {size} 题，截止 {deadline}：已完成 {done} 人{names}"


def assignment_text(kind: str, theme: Theme | None, size: int, deadline) -> str:
    """The announcement or the reminder of a class assignment."""
    template = ASSIGNMENT if kind == "assignment" else ASSIGNMENT_DUE
    return template.format(theme=theme_label(theme), size=size, deadline=deadline.isoformat())


def parse_assign(args: list[str]) -> tuple[str | None, int, Theme | None, date] | None:
    """``[班级] N [THEME] YYYY-MM-DD`` -> (class words, N, theme, deadline), or None when it does not parse."""
    words = list(args)
    if len(words) < 2:
        return None
    try:
        deadline = date.fromisoformat(words.pop())
    except ValueError:
        return None
    theme = None
    if words and not words[-1].isdigit():
        understood, theme = theme_from_words(words[-1])
        if not understood:
            return None
        words.pop()
    if not words or not words[-1].isdigit() or not 1 <= int(words[-1]) <= 20:
        return None
    size = int(words.pop())
    return (" ".join(words) or None), size, theme, deadline


# -- class groups --------------------------------------------------------------------------------

GROUP_WELCOME = (
    "大家好！我是禁毒知识答题机器人 🛡️\n"
    "群管理员或关联班级的老师发送 /quiz 就能开始一场群答题（默认5题，例如 /quiz 10 law），"
    "每题是一个限时30秒的答题投票；/stopquiz 提前结束，/rank 看本周排行。\n"
    "我们只保存答题记录和一个昵称（默认是随机化名），不保存 Telegram 名字；"
    "在和我的私聊里发送 /forget 可以删除你的全部数据。"
)
GROUP_PRIVATE_ONLY = "这个命令请在和我的私聊里使用：点我的头像，发送 /start。"
GROUP_NOT_ALLOWED = "只有群管理员或关联班级的老师可以开始或结束群答题。"
GROUP_RUNNING = "已经有一场答题在进行中，等它结束或用 /stopquiz 结束后再开始新的。"
GROUP_NO_QUIZ = "现在没有进行中的答题。"
GROUP_CANNOT_POLL = "我在这个群里发不了投票：请群管理员允许我发送投票后，再发送 /quiz。"
GROUP_QUIZ_USAGE = "用法：/quiz [题数1-20] [主题]，例如 /quiz 10 law"
GROUP_STARTED = "🎯 群答题开始：{theme}，共 {size} 题，每题 {seconds} 秒。"
GROUP_POLL = "第 {number}/{total} 题 · {text}"
GROUP_RESULTS = "🏁 答题结束（共 {asked} 题）！答对最多的同学："
GROUP_RESULTS_STOPPED = "⏹ 答题已提前结束（已出 {asked} 题）。答对最多的同学："
GROUP_RESULTS_LINE = "{medal} {nickname}：答对 {right} 题，{points} 分"
GROUP_RESULTS_NONE = "这次没有人作答。"
GROUP_LINKED = "✅ 本群已关联班级「{name}」：群答题的成绩会计入班级报告，/rank 显示班级排行。"
LINKCLASS_USAGE = "用法：/linkclass 班级加入码（只有该班老师可以关联）"


def group_results(results) -> str:
    """The results of a group quiz."""
    head = (GROUP_RESULTS_STOPPED if results.stopped else GROUP_RESULTS).format(asked=results.asked)
    if not results.rows:
        return f"{head}\n{GROUP_RESULTS_NONE}"
    lines = [
        GROUP_RESULTS_LINE.format(medal=MEDALS.get(n, f"{n}."), nickname=name, right=right, points=points)
        for n, (name, right, points) in enumerate(results.rows, 1)
    ]
    return fit("\n".join([head, *lines]))


def parse_group_quiz(args: list[str]) -> tuple[int, Theme | None] | None:
    """``[N] [THEME]`` -> (N, theme), or None when it does not parse."""
    size, words = 5, list(args)
    if words and words[0].isdigit():
        size = int(words.pop(0))
        if not 1 <= size <= 20:
            return None
    if not words:
        return size, None
    understood, theme = theme_from_words(" ".join(words))
    return (size, theme) if understood else None


WEB_LINK = "🔗 教师网页登录链接（10 分钟内有效，只能用一次，请不要转发）：\n{link}"
