"""Click's own words in Vietnamese: usage line, headings, the help option and usage errors.

:func:`urbanchain.cli._translated` puts the command line's help texts in
Vietnamese; this module does the same for the words Click (as vendored by
Typer, or Click itself) writes around them: ``Usage:``, the ``Options`` and
``Commands`` headings, ``[default: …]`` and ``[required]`` in an option's help,
the help option's own text, and the usage errors (``Error: No such option``,
``Missing option``, ``Invalid value for …``) with their ``Try '… --help'`` hint.

Only the public formatter and context API is used (``HelpFormatter.write_usage``,
``write_heading``, ``write_dl``, ``Context.formatter_class``,
``Command.get_help_option``), which Click and Typer's copy of it share.  An
error message that none of the patterns below knows is shown in English after
the Vietnamese ``Lỗi:``, so nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["HEADINGS", "install", "is_abort", "is_click_error", "show_error", "translate_message"]

#: Section headings Click writes (``write_heading``) and their Vietnamese form.
HEADINGS: dict[str, str] = {
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Arguments": "Đối số",
    "Positional arguments": "Đối số theo vị trí",
}
USAGE = "Cách dùng: "
OPTIONS_METAVAR = "[TÙY_CHỌN]"
SUBCOMMAND_METAVAR = "LỆNH [ĐỐI_SỐ]..."
HELP_OPTION = "Hiện hướng dẫn này rồi thoát."
ERROR = "Lỗi"
ABORTED = "Đã hủy."

# bracketed notes Click and Typer add to an option's help text
_NOTES: tuple[tuple[str, str], ...] = (
    ("[default: ", "[mặc định: "),
    ("[required]", "[bắt buộc]"),
    ("[env var: ", "[biến môi trường: "),
    ("[deprecated]", "[không dùng nữa]"),
)


def _compiled(pairs: Sequence[tuple[str, str]]) -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(p, re.DOTALL), r) for p, r in pairs)


# (pattern, replacement) for the messages of Click's usage errors, whole message
_MESSAGES = _compiled(
    (
        (
            r"No such option: (\S+) \(Possible options: (.*)\)",
            r"Không có tùy chọn \1 (gần giống: \2).",
        ),
        (r"No such option: (\S+)", r"Không có tùy chọn \1."),
        (r"No such option '(.+)'\.", r"Không có tùy chọn '\1'."),
        (r"No such command '(.+)'\.", r"Không có lệnh '\1'."),
        (r"Missing command\.", "Thiếu lệnh."),
        (r"Missing option(.*?)\.", r"Thiếu tùy chọn\1."),
        (r"Missing argument(.*?)\.", r"Thiếu đối số\1."),
        (r"Missing parameter(.*?)\.?", r"Thiếu tham số\1."),
        (r"Option '(.+)' requires an argument\.", r"Tùy chọn '\1' cần một giá trị."),
        (r"Option '(.+)' requires (\d+) arguments\.", r"Tùy chọn '\1' cần \2 giá trị."),
        (r"Option '(.+)' does not take a value\.", r"Tùy chọn '\1' không nhận giá trị."),
        (
            r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)",
            r"Thừa đối số không mong đợi (\1).",
        ),
        (r"Invalid value for (.+?): (.*)", "Giá trị không hợp lệ cho \\1: \x00\\2"),
        (r"Invalid value: (.*)", "Giá trị không hợp lệ: \x00\\1"),
    )
)

# the reasons inside "Invalid value for …: <reason>", from Click's parameter types
_REASONS = _compiled(
    (
        # Typer's own conversion messages (Typer 0.2x reports them as pydantic does)
        (r"Input should be a valid integer(,.*)?", "giá trị phải là số nguyên hợp lệ."),
        (r"Input should be a valid number(,.*)?", "giá trị phải là số hợp lệ."),
        (r"Input should be a valid boolean(,.*)?", "giá trị phải là đúng/sai hợp lệ."),
        (r"Input should be greater than or equal to (.+)", r"giá trị phải lớn hơn hoặc bằng \1."),
        (r"Input should be greater than (.+)", r"giá trị phải lớn hơn \1."),
        (r"Input should be less than or equal to (.+)", r"giá trị phải nhỏ hơn hoặc bằng \1."),
        (r"Input should be less than (.+)", r"giá trị phải nhỏ hơn \1."),
        (r"Input should be (.+)", r"giá trị phải là \1."),
        (r"(.+) is not one of (.+)\.", r"\1 không phải là một trong \2."),
        (r"(.+) is not (.+)\.", r"\1 không phải là \2."),
        (r"(.+) is not a valid integer( range)?\.", r"\1 không phải là số nguyên hợp lệ."),
        (r"(.+) is not a valid float( range)?\.", r"\1 không phải là số thực hợp lệ."),
        (r"(.+) is not a valid boolean\.?(.*)", r"\1 không phải là giá trị đúng/sai hợp lệ.\2"),
        (r"(.+) is not in the range (.+)\.", r"\1 nằm ngoài khoảng \2."),
        (r"(File|Directory|Path) (.+) does not exist\.", r"Đường dẫn \2 không tồn tại."),
        (r"(File|Directory|Path) (.+) is a directory\.", r"Đường dẫn \2 là một thư mục."),
        (r"(File|Directory|Path) (.+) is a file\.", r"Đường dẫn \2 là một tệp."),
        (r"(File|Directory|Path) (.+) is not readable\.", r"Không đọc được đường dẫn \2."),
        (r"(File|Directory|Path) (.+) is not writable\.", r"Không ghi được vào đường dẫn \2."),
    )
)


def _reason(text: str) -> str:
    text = text.strip()
    if text.startswith("Value error, "):  # Typer wraps a validator's message so
        text = text[len("Value error, ") :]
    for pattern, repl in _REASONS:
        if pattern.fullmatch(text):
            return pattern.sub(repl, text, count=1)
    return text


def translate_message(text: str) -> str:
    """Return Click's English usage-error message ``text`` in Vietnamese.

    A message no pattern knows (the command line's own, already translated, or
    a library message) is returned unchanged.
    """
    text = text.strip()
    for pattern, repl in _MESSAGES:
        if pattern.fullmatch(text):
            out = pattern.sub(repl, text, count=1)
            head, sep, reason = out.partition("\x00")
            return head + _reason(reason) if sep else out
    return _reason(text)


def _note(text: str) -> str:
    for english, vietnamese in _NOTES:
        text = text.replace(english, vietnamese)
    return text


def _formatter_class(base: type) -> type:
    """Return a subclass of Click's ``HelpFormatter`` ``base`` that writes Vietnamese."""

    class VietnameseHelpFormatter(base):  # type: ignore[misc]
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            super().write_usage(prog, args, USAGE if prefix is None else prefix)

        def write_heading(self, heading: str) -> None:
            super().write_heading(HEADINGS.get(heading, heading))

        def write_dl(self, rows: Sequence[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
            super().write_dl([(a, _note(b)) for a, b in rows], *args, **kwargs)

    return VietnameseHelpFormatter


def _help_option_getter(get: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def get_help_option(ctx: Any) -> Any:
        option = get(ctx)
        if option is not None:
            option.help = HELP_OPTION
        return option

    return get_help_option


def install(command: Any) -> None:
    """Make ``command`` and its subcommands write Click's words in Vietnamese.

    Changes only the given command objects (built afresh for each run by
    :func:`urbanchain.cli._translated`), never Click's or Typer's classes.
    """
    base_context = command.context_class
    formatter = _formatter_class(base_context.formatter_class)
    context = type("VietnameseContext", (base_context,), {"formatter_class": formatter})

    def walk(cmd: Any) -> None:
        cmd.context_class = context
        if getattr(cmd, "options_metavar", None) == "[OPTIONS]":
            cmd.options_metavar = OPTIONS_METAVAR
        if getattr(cmd, "subcommand_metavar", None) == "COMMAND [ARGS]...":
            cmd.subcommand_metavar = SUBCOMMAND_METAVAR
        cmd.get_help_option = _help_option_getter(cmd.get_help_option)
        for sub in (getattr(cmd, "commands", None) or {}).values():
            walk(sub)

    walk(command)


def is_click_error(exc: BaseException) -> bool:
    """Whether ``exc`` is one of Click's own exceptions that it would show to the user."""
    return callable(getattr(exc, "format_message", None)) and isinstance(
        getattr(exc, "exit_code", None), int
    )


def is_abort(exc: BaseException) -> bool:
    """Whether ``exc`` is Click's ``Abort`` (the user interrupted a prompt)."""
    return type(exc).__name__ == "Abort"


def show_error(exc: Any, *, echo: Callable[..., None]) -> int:
    """Show Click's exception ``exc`` in Vietnamese, as Click's ``show`` does in English.

    Returns the exit code Click would use (2 for a usage error).
    """
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        hint = ""
        if ctx.command.get_help_option(ctx) is not None:
            hint = f"Thử '{ctx.command_path} {ctx.help_option_names[0]}' để xem hướng dẫn.\n"
        echo(f"{ctx.get_usage()}\n{hint}", err=True)
    echo(f"{ERROR}: {translate_message(exc.format_message())}", err=True)
    return int(exc.exit_code)
