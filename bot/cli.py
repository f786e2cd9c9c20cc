"""The ``jindu`` command: console | run | web | db | teacher | leaderboard | report | export | reminders | questions."""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

from pydantic import ValidationError

from bot import __version__
from bot.bank import Bank, bank_stats, coverage_checks, load_bank, packaged_questions_dir, question_files
from bot.engine.model import GRADES, THEMES, Grade, Theme

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _settings():  # imported lazily so `questions check` stays fast
    from bot.config import Settings

    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            name = "JINDU_" + str(error["loc"][0]).upper() if error["loc"] else "JINDU_*"
            print(f"配置错误 {name}: {error['msg']}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None


def _load_configured_bank(settings) -> Bank:
    files = question_files(settings.questions_dir) if settings.questions_dir else None
    bank = load_bank(files)
    if not bank.ok:
        for problem in bank.problems:
            print(problem, file=sys.stderr)
        print("题库有错误，请先运行 jindu questions check 修正。", file=sys.stderr)
        raise SystemExit(EXIT_PROBLEMS)
    return bank


def _open_database(url: str):
    """The engine for ``url`` at the newest schema; one clear line (password masked) and exit 1 if not."""
    from db.migrate import SchemaError
    from db.session import DatabaseUnavailable, DatabaseUrlError, make_engine

    try:
        return make_engine(url)
    except (DatabaseUrlError, DatabaseUnavailable, SchemaError) as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(EXIT_PROBLEMS) from None


def _load_calendar():
    from bot.calendar_file import load_calendar

    calendar = load_calendar()
    if not calendar.ok:
        for problem in calendar.problems:
            print(problem, file=sys.stderr)
        raise SystemExit(EXIT_PROBLEMS)
    return calendar


# -- jindu console -------------------------------------------------------------------------------


def cmd_console(args: argparse.Namespace) -> int:
    """Play a round in the terminal."""
    from bot import console
    from bot.engine.names import clean_nickname, nickname_problem
    from bot.services import QuizService

    settings = _settings()
    args.name = clean_nickname(args.name)
    if nickname_problem(args.name) is not None:
        print(
            f"--name 不可用（{nickname_problem(args.name).value}）：昵称为 1-16 个字符，不含链接、@ 或控制字符。",
            file=sys.stderr,
        )
        return EXIT_USAGE
    bank = _load_configured_bank(settings)
    engine = _open_database(args.db or settings.database_url)
    rng = random.Random(args.seed) if args.seed is not None else random.Random()
    service = QuizService(engine, bank.questions, zone=settings.zone, rng=rng)
    try:
        return console.play(
            service,
            name=args.name,
            size=args.n,
            theme=Theme(args.theme) if args.theme != "all" else None,
            grade=Grade(args.grade) if args.grade else None,
        )
    except KeyboardInterrupt:
        print("\n已退出，已作答的题目已保存。")
        return 0


# -- jindu run -----------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    """Run the Telegram bot with long polling."""
    settings = _settings()
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        print("缺少 Telegram 令牌：请设置环境变量 JINDU_BOT_TOKEN（向 @BotFather 申请）。", file=sys.stderr)
        return EXIT_USAGE
    token = settings.bot_token.get_secret_value().strip()
    bank = _load_configured_bank(settings)

    from bot.tg.app import build_application, configure_logging, run_polling
    from bot.tg.context import BotServices

    configure_logging(token)
    engine = _open_database(settings.database_url)
    services = BotServices.build(
        engine,
        bank.questions,
        zone=settings.zone,
        admins=settings.admin_ids,
        calendar=_load_calendar().entries,
        quiet=settings.quiet,
    )
    app = build_application(token=token, services=services, base_url=settings.api_url, web_url=settings.web_url)
    if args.web:  # a small school: the bot and the page in one process (the page on its own thread)
        import threading

        server = _web_server(web_app(settings, engine, bank.questions), args.host, args.port)
        threading.Thread(target=server.run, name="jindu-web", daemon=True).start()
    return run_polling(app)


# -- jindu questions ---------------------------------------------------------------------------


def cmd_questions_check(args: argparse.Namespace) -> int:
    """Validate the packaged bank or the given files."""
    files = [Path(f) for f in args.files] if args.files else None
    if files:
        missing = [f for f in files if not f.is_file()]
        if missing:
            for f in missing:
                print(f"{f}: no such file", file=sys.stderr)
            return EXIT_USAGE
    bank = load_bank(files)
    for problem in [*bank.problems, *bank.warnings]:  # warnings do not fail the check
        print(problem)
    warned = f", {len(bank.warnings)} warning(s)" if bank.warnings else ""
    if bank.problems:
        print(
            f"{len(bank.problems)} problem(s){warned} in {len(files) if files else 'the packaged'} file(s)",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    print(f"OK: {len(bank.questions)} questions{warned}", file=sys.stderr)
    return EXIT_OK


def cmd_questions_stats(args: argparse.Namespace) -> int:
    """Totals by theme, grade band, kind and difficulty, and the coverage targets."""
    files = [Path(f) for f in args.files] if args.files else None
    bank = load_bank(files)
    stats = bank_stats(bank.questions)
    checks = coverage_checks(bank.questions)
    if args.json:
        stats["coverage"] = [{"name": c.name, "actual": c.actual, "target": c.target, "ok": c.ok} for c in checks]
        print(json.dumps(stats, ensure_ascii=False, indent=2))
    else:
        print(f"题目总数 total: {stats['total']}")
        labels = {
            "by_theme": (Theme, "主题 theme"),
            "facts_by_theme": (Theme, "知识点 distinct facts by theme"),
            "by_grade": (Grade, "学段 grade"),
        }
        for key, counts in stats.items():
            if key == "total":
                continue
            enum, title = labels.get(key, (None, key))
            print(f"\n{title}:")
            for name, count in counts.items():
                label = f"{name} {enum(name).label}" if enum else name
                print(f"  {label}: {count}")
        print("\n覆盖目标 coverage targets:")
        for c in checks:
            print(f"  {'✓' if c.ok else '✗'} {c.name}: {c.actual} (target {c.target})")
    if bank.problems:
        print(f"注意：{len(bank.problems)} 个问题未计入，请运行 jindu questions check", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


def _bank_dir() -> Path:
    settings = _settings()
    return settings.questions_dir or packaged_questions_dir()


def cmd_questions_export(args: argparse.Namespace) -> int:
    """Write the bank as CSV (UTF-8 with BOM, for Excel and WPS)."""
    from bot.bank_io import export_csv

    bank = load_bank(question_files(_bank_dir()))
    if not bank.ok:
        for problem in bank.problems:
            print(problem, file=sys.stderr)
        return EXIT_PROBLEMS
    text = "\ufeff" + export_csv(bank.questions)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8", newline="")
        print(f"已导出 {len(bank.questions)} 道题到 {args.out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(text.encode("utf-8"))
    return EXIT_OK


def cmd_questions_import(args: argparse.Namespace) -> int:
    """Merge a CSV into the bank's YAML files; nothing is written when a row is wrong."""
    from bot.bank_io import import_csv

    path = Path(args.file)
    if not path.is_file():
        print(f"{path}: no such file", file=sys.stderr)
        return EXIT_USAGE
    into = Path(args.into) if args.into else None
    if into is not None and into.suffix not in (".yaml", ".yml"):
        print(f"--into must name a .yaml file, got {into}", file=sys.stderr)
        return EXIT_USAGE
    result = import_csv(path, bank_dir=_bank_dir(), into=into)
    if result.problems:
        for problem in result.problems:
            print(f"{path}: {problem}")
        print(f"{len(result.problems)} problem(s); nothing was written", file=sys.stderr)
        return EXIT_PROBLEMS
    print(
        f"added {len(result.added)}, updated {len(result.updated)}, files written {len(result.written)}",
        file=sys.stderr,
    )
    for written in result.written:
        print(f"  {written}", file=sys.stderr)
    return EXIT_OK


# -- jindu db ------------------------------------------------------------------------------------


def _db_url(args: argparse.Namespace) -> str:
    return args.db or _settings().database_url


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Bring the database to the newest schema revision."""
    from db.migrate import current

    engine = _open_database(_db_url(args))
    print(f"数据库已是最新结构：{current(engine)}")
    return EXIT_OK


def cmd_db_current(args: argparse.Namespace) -> int:
    """Print the database's schema revision (and the newest this code knows), changing nothing."""
    from db.migrate import current, head
    from db.session import DatabaseUnavailable, DatabaseUrlError, create_db_engine

    try:
        engine = create_db_engine(_db_url(args))
    except (DatabaseUrlError, DatabaseUnavailable) as exc:
        print(exc, file=sys.stderr)
        return EXIT_PROBLEMS
    revision, newest = current(engine), head()
    print(revision or "（空数据库）")
    if revision != newest:
        print(f"最新结构是 {newest}；运行 jindu db upgrade 升级。", file=sys.stderr)
    return EXIT_OK


def cmd_db_backup(args: argparse.Namespace) -> int:
    """Copy a SQLite database with SQLite's online backup API (safe while the bot runs)."""
    from db.session import backup_sqlite

    target = Path(args.file)
    if target.exists():
        print(f"{target} 已存在：请换一个文件名，备份不会覆盖已有文件。", file=sys.stderr)
        return EXIT_USAGE
    engine = _open_database(_db_url(args))
    if engine.dialect.name != "sqlite":
        print("jindu db backup 只用于 SQLite；PostgreSQL 请用 pg_dump（见 README）。", file=sys.stderr)
        return EXIT_USAGE
    pages = backup_sqlite(engine, target)
    print(f"已备份到 {target}（{pages} 页）")
    return EXIT_OK


# -- jindu teacher / leaderboard / report / export --------------------------------------------------


def _report_service(args: argparse.Namespace):
    from bot.services.reports import ReportService

    settings = _settings()
    bank = _load_configured_bank(settings)
    return ReportService(_open_database(args.db or settings.database_url), bank.questions, zone=settings.zone)


def _class_errors(call):
    """Run ``call``; an unknown class code is one line and exit 1."""
    from bot.services.errors import ClassNotFound

    try:
        return call()
    except ClassNotFound:
        print("没有这个班级加入码。老师可以在机器人里发送 /myclasses 查看。", file=sys.stderr)
        raise SystemExit(EXIT_PROBLEMS) from None


def cmd_teacher_invite(args: argparse.Namespace) -> int:
    """Print new one-time teacher invite codes, one per line."""
    from bot.services.classes import ClassService

    settings = _settings()
    classes = ClassService(_open_database(args.db or settings.database_url))
    for code in classes.create_invites(None, args.count):
        print(code)
    print(f"以上 {args.count} 个邀请码各只能用一次，7 天内有效：老师在私聊中发送 /teacher 邀请码。", file=sys.stderr)
    return EXIT_OK


def cmd_leaderboard(args: argparse.Namespace) -> int:
    """A class's ranking (with roster names: this is the operator's view), or everyone's top 10."""
    from bot.engine.periods import Period

    reports = _report_service(args)
    period = Period(args.period)
    if args.class_code:
        board = _class_errors(lambda: reports.leaderboard(None, args.class_code, period))
    else:
        board = reports.overall(period)
    rows = [
        {
            "place": r.place,
            "nickname": r.nickname,
            "roster_name": r.roster_name,
            "points": r.points,
            "accuracy": round(r.accuracy, 4),
            "rounds": r.rounds,
        }
        for r in board.rows
    ]
    if args.json:
        print(
            json.dumps({"class": board.class_name, "period": period.value, "rows": rows}, ensure_ascii=False, indent=2)
        )
        return EXIT_OK
    print(f"{board.class_name or '全体同学'} · {period.label}排行")
    for r in rows:
        name = f"{r['roster_name']}（{r['nickname']}）" if r["roster_name"] else r["nickname"]
        accuracy = f"{100 * r['accuracy']:.0f}%" if r["rounds"] or r["points"] else "—"
        print(f"{r['place']:>3}. {name}  {r['points']} 分  正确率 {accuracy}  {r['rounds']} 轮")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """A class report as text or JSON, and its chart as a PNG."""
    from bot.engine.periods import Period

    reports = _report_service(args)
    report = _class_errors(lambda: reports.report(None, args.class_code, Period(args.period)))
    if args.chart:
        from bot.charts import report_chart

        Path(args.chart).write_bytes(report_chart(report))
    if args.json:
        data = {
            "class": report.class_name,
            "period": report.period.value,
            "members": report.members,
            "participants": report.participants,
            "participation": round(report.participation, 4),
            "average_accuracy": report.average_accuracy,
            "pass_rate": report.pass_rate,
            "excellent_rate": report.excellent_rate,
            "themes": {t.value: {"right": r, "answered": n} for t, (r, n) in report.themes.items()},
            "most_missed": [
                {"id": m.question.id, "text": m.question.text, "missed": m.missed, "answered": m.answered}
                for m in report.most_missed
            ],
        }
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        from bot.tg.texts import class_report  # the same wording as the bot

        print(class_report(report))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """A class's results as CSV (UTF-8 with BOM)."""
    reports = _report_service(args)
    name, data = _class_errors(lambda: reports.export_csv(None, args.class_code))
    if args.out:
        Path(args.out).write_bytes(data)
        print(f"已导出「{name}」到 {args.out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
    return EXIT_OK


# -- jindu web ----------------------------------------------------------------------------------


def web_app(settings, engine, questions):
    """The teacher's web application over ``engine``."""
    from bot.services.classes import ClassService
    from bot.services.reports import ReportService
    from bot.services.weblogin import WebLoginService
    from bot.web.app import WebServices, create_app

    services = WebServices(
        reports=ReportService(engine, questions, zone=settings.zone),
        classes=ClassService(engine),
        logins=WebLoginService(engine),
    )
    return create_app(services, secure_cookies=settings.web_url.startswith("https://"))


def _web_server(app, host: str, port: int):
    import uvicorn

    # access_log off: a request line would carry a sign-in token; errors are logged by the app
    config = uvicorn.Config(
        app, host=host, port=port, access_log=False, log_level="warning", timeout_graceful_shutdown=5
    )
    return uvicorn.Server(config)


def cmd_web(args: argparse.Namespace) -> int:
    """Serve the teacher's web page."""
    settings = _settings()
    bank = _load_configured_bank(settings)
    engine = _open_database(settings.database_url)
    print(f"教师网页：http://{args.host}:{args.port}/ （老师在机器人里发送 /web 获取登录链接）", file=sys.stderr)
    _web_server(web_app(settings, engine, bank.questions), args.host, args.port).run()
    return EXIT_OK


def cmd_teacher_login_link(args: argparse.Namespace) -> int:
    """Print a one-time sign-in link for a teacher (by Telegram user id)."""
    from bot.services.common import Identity
    from bot.services.errors import NotAllowed
    from bot.services.weblogin import WebLoginService

    settings = _settings()
    logins = WebLoginService(_open_database(args.db or settings.database_url))
    try:
        token = logins.create_link_token(Identity("telegram", str(args.user_id)))
    except NotAllowed:
        print(f"用户 {args.user_id} 不是老师（先用邀请码发送 /teacher）。", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"{settings.web_url.rstrip('/')}/login/{token}")
    print("这个链接 10 分钟内有效，只能用一次。", file=sys.stderr)
    return EXIT_OK


# -- jindu reminders ---------------------------------------------------------------------------


def _reminder_service(settings, engine, now=None):
    from bot.services.reminders import ReminderService

    calendar = _load_calendar()
    service = ReminderService(engine, calendar.entries, zone=settings.zone, quiet=settings.quiet)
    if now is not None:
        service.clock = lambda: now
    return service


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date such as 2026-06-01") from exc


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time such as 2026-06-01T17:30+08:00") from exc
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs its UTC offset, e.g. 2026-06-01T17:30+08:00")
    return moment


def cmd_reminders_preview(args: argparse.Namespace) -> int:
    """What the calendar sends, when, to whom, with the text (no database needed)."""
    from bot.engine.calendar import occurrences, send_time

    settings = _settings()
    calendar = _load_calendar()
    first = args.first or datetime.now(settings.zone).date()
    last = args.last or first + timedelta(days=30)
    if last < first:
        print("--to must not be before --from", file=sys.stderr)
        return EXIT_USAGE
    items = []
    for entry, day in occurrences(calendar.entries, first, last):
        when = send_time(entry.at, day, settings.quiet)
        items.append(
            {
                "date": day.isoformat(),
                "time": when.time().isoformat("minutes") if when else None,
                "key": entry.key,
                "audience": "subscribed students",
                "text": entry.render(day),
                "button": entry.button,
            }
        )
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return EXIT_OK
    for item in items:
        when = item["time"] or "（静默时段内，不发送）"
        print(f"{item['date']} {when}  {item['key']}  → {item['audience']}\n    {item['text']}")
    if not items:
        print(f"{first} 至 {last} 没有提醒。")
    return EXIT_OK


def cmd_reminders_send_due(args: argparse.Namespace) -> int:
    """Send what is due at that moment, once (running it again sends nothing new)."""
    settings = _settings()
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        print("缺少 Telegram 令牌：请设置环境变量 JINDU_BOT_TOKEN。", file=sys.stderr)
        return EXIT_USAGE
    import asyncio

    counts = asyncio.run(send_due(settings, now=args.now))
    print(", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing due")
    return EXIT_OK


async def send_due(settings, *, now: datetime | None = None, request=None) -> dict[str, int]:
    """One run of the reminder sender outside `jindu run` (``request`` replaces HTTP in tests)."""
    import asyncio

    from telegram.ext import ExtBot

    from bot.tg.concurrency import MessageRateLimiter
    from bot.tg.reminders import deliver_due

    engine = _open_database(settings.database_url)
    service = _reminder_service(settings, engine, now)
    token = settings.bot_token.get_secret_value().strip()
    bot = ExtBot(token, base_url=settings.api_url, rate_limiter=MessageRateLimiter(), request=request)

    async def run(method, *a, **kw):
        return await asyncio.to_thread(method, *a, **kw)

    async with bot:
        return await deliver_due(bot, service, run=run)


# -- parser --------------------------------------------------------------------------------------


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``jindu``."""
    parser = argparse.ArgumentParser(prog="jindu", description="禁毒知识答题：终端答题、Telegram 机器人与题库工具")
    parser.add_argument("--version", action="version", version=f"jindu-quiz {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    console = sub.add_parser("console", help="在终端答一轮题（无需 Telegram）")
    console.add_argument("--db", help="数据库 URL 或 SQLite 文件路径（默认 JINDU_DATABASE_URL）")
    console.add_argument("-n", type=_positive, default=10, help="题目数量（默认 10）")
    console.add_argument("--theme", choices=(*THEMES, "all"), default="all", help="主题（默认 all）")
    console.add_argument("--grade", choices=GRADES, help="学段：primary 小学、junior 初中、senior 高中·中职")
    console.add_argument("--seed", type=int, help="随机种子，用于复现同一轮题目")
    console.add_argument("--name", default="同学", help="昵称；同一数据库中同一昵称即同一用户")
    console.set_defaults(func=cmd_console)

    run = sub.add_parser("run", help="运行 Telegram 机器人（需要 JINDU_BOT_TOKEN）")
    run.add_argument("--web", action="store_true", help="同时在本进程提供教师网页")
    run.add_argument("--host", default="127.0.0.1", help="网页地址（默认 127.0.0.1）")
    run.add_argument("--port", type=int, default=8080, help="网页端口（默认 8080）")
    run.set_defaults(func=cmd_run)

    web = sub.add_parser("web", help="教师网页：班级、排行、报告、课堂大屏")
    web.add_argument("--host", default="127.0.0.1", help="地址（默认 127.0.0.1）")
    web.add_argument("--port", type=int, default=8080, help="端口（默认 8080）")
    web.set_defaults(func=cmd_web)

    db = sub.add_parser("db", help="数据库：升级结构、查看版本、备份")
    dsub = db.add_subparsers(dest="db_command", metavar="ACTION")
    for name, func, help_text in (
        ("upgrade", cmd_db_upgrade, "把数据库升级到最新结构（jindu run 和 console 启动时也会自动做）"),
        ("current", cmd_db_current, "显示数据库的结构版本"),
        ("backup", cmd_db_backup, "在线备份 SQLite 数据库到 FILE（机器人运行时也安全）"),
    ):
        action = dsub.add_parser(name, help=help_text)
        action.add_argument("--db", help="数据库 URL 或 SQLite 文件路径（默认 JINDU_DATABASE_URL）")
        if name == "backup":
            action.add_argument("file", help="备份文件")
        action.set_defaults(func=func)
    db.set_defaults(func=lambda _args: (db.print_help(), EXIT_USAGE)[1])

    teacher = sub.add_parser("teacher", help="教师邀请码")
    tsub = teacher.add_subparsers(dest="teacher_command", metavar="ACTION")
    invite = tsub.add_parser("invite", help="生成一次性教师邀请码（每行一个，7 天内有效）")
    invite.add_argument("--count", type=_positive, default=1, help="数量（默认 1，最多 100）")
    invite.add_argument("--db", help="数据库 URL 或 SQLite 文件路径（默认 JINDU_DATABASE_URL）")
    invite.set_defaults(func=cmd_teacher_invite)
    link = tsub.add_parser("login-link", help="给老师生成一次性网页登录链接（10 分钟内有效）")
    link.add_argument("user_id", type=int, help="老师的 Telegram 用户 id")
    link.add_argument("--db", help="数据库 URL 或 SQLite 文件路径（默认 JINDU_DATABASE_URL）")
    link.set_defaults(func=cmd_teacher_login_link)
    teacher.set_defaults(func=lambda _args: (teacher.print_help(), EXIT_USAGE)[1])

    periods = ("week", "month", "all")
    board = sub.add_parser("leaderboard", help="排行榜：班级（含姓名）或全体前 10 名")
    board.add_argument("--class", dest="class_code", help="班级加入码（不写：全体同学）")
    report = sub.add_parser("report", help="班级报告：参与率、正确率、错题；--chart 输出图表 PNG")
    report.add_argument("--class", dest="class_code", required=True, help="班级加入码")
    report.add_argument("--chart", help="把图表写入这个 PNG 文件")
    for command, func in ((board, cmd_leaderboard), (report, cmd_report)):
        command.add_argument("--period", choices=periods, default="week", help="本周 week、本月 month、全部 all")
        command.add_argument("--json", action="store_true", help="输出 JSON")
        command.add_argument("--db", help="数据库 URL 或 SQLite 文件路径（默认 JINDU_DATABASE_URL）")
        command.set_defaults(func=func)
    export = sub.add_parser("export", help="导出班级成绩表 CSV（UTF-8 带 BOM，Excel/WPS 可直接打开）")
    export.add_argument("--class", dest="class_code", required=True, help="班级加入码")
    export.add_argument("--out", help="输出文件（默认：标准输出）")
    export.add_argument("--db", help="数据库 URL 或 SQLite 文件路径（默认 JINDU_DATABASE_URL）")
    export.set_defaults(func=cmd_export)

    reminders = sub.add_parser("reminders", help="提醒：预览日历，或手动发送到期提醒")
    rsub = reminders.add_subparsers(dest="reminders_command", metavar="ACTION")
    preview = rsub.add_parser("preview", help="列出会发送的提醒：日期、时间、对象、内容")
    preview.add_argument("--from", dest="first", type=_day, help="开始日期（默认今天）")
    preview.add_argument("--to", dest="last", type=_day, help="结束日期（默认开始后 30 天）")
    preview.add_argument("--json", action="store_true", help="输出 JSON")
    preview.set_defaults(func=cmd_reminders_preview)
    send = rsub.add_parser("send-due", help="发送此刻到期的提醒（每个提醒每人最多一次，重复运行不会重发）")
    send.add_argument("--now", type=_moment, help="当作此刻的时间，例如 2026-06-01T17:30+08:00")
    send.set_defaults(func=cmd_reminders_send_due)
    reminders.set_defaults(func=lambda _args: (reminders.print_help(), EXIT_USAGE)[1])

    questions = sub.add_parser("questions", help="题库工具")
    qsub = questions.add_subparsers(dest="questions_command", metavar="ACTION")
    check = qsub.add_parser("check", help="校验题库文件")
    check.add_argument("files", nargs="*", help="题目 YAML 文件（默认：内置题库）")
    check.set_defaults(func=cmd_questions_check)
    stats = qsub.add_parser("stats", help="题库统计")
    stats.add_argument("files", nargs="*", help="题目 YAML 文件（默认：内置题库）")
    stats.add_argument("--json", action="store_true", help="输出 JSON")
    stats.set_defaults(func=cmd_questions_stats)
    export = qsub.add_parser("export", help="导出题库（CSV，UTF-8 带 BOM，可用 Excel/WPS 编辑）")
    export.add_argument("--format", choices=["csv"], default="csv", help="导出格式（目前只有 csv）")
    export.add_argument("--out", help="输出文件（默认：标准输出）")
    export.set_defaults(func=cmd_questions_export)
    imp = qsub.add_parser("import", help="从 CSV 导入题目：同 id 更新，新 id 追加；有错误则不写入")
    imp.add_argument("file", help="CSV 文件（UTF-8，带或不带 BOM）")
    imp.add_argument("--into", help="新题目追加到的 YAML 文件（默认：按主题 questions/THEME.yaml）")
    imp.set_defaults(func=cmd_questions_import)
    questions.set_defaults(func=lambda _args: (questions.print_help(), EXIT_USAGE)[1])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``jindu`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except BrokenPipeError:  # the reader went away (e.g. `| head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
