"""The sections of a diff as plain text for a terminal, or as Markdown for a pull request."""

from __future__ import annotations

import re

from .diff_compare import MARKS, Entry, Section

MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<])")  # emphasis, code, links, HTML


def _text_entries(entries: list[Entry], indent: str) -> list[str]:
    lines = []
    for entry in entries:
        head = f"{indent}{entry.mark} {entry.name}" if entry.mark else f"{indent}{entry.name}"
        lines.append(f"{head}  {entry.note}" if entry.note else head)
        lines += [f"{indent}    {line}" for line in entry.details + entry.triples]
    return lines


def render_text(sections: list[Section], old: str, new: str) -> str:
    """The differences as plain text, one line per item, details indented; facts under the
    sentence that states them."""
    lines = [f"Changes from {old} to {new}"]
    for section in sections:
        lines.append(f"{section.title}: {section.counts}")
        lines += _text_entries(section.entries, "  ")
        for group in section.groups:
            lines.append(f"  {group.name} {group.quote}".rstrip())
            lines += [f"    {detail}" for detail in group.details]
            lines += _text_entries(group.entries, "    ")
    return "\n".join(lines) + "\n"


def escape(text: str) -> str:
    """Prose as Markdown shows it literally: no stray emphasis, code or links."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _markdown_entries(entries: list[Entry], indent: str) -> list[str]:
    lines = []
    for entry in entries:
        if not entry.mark:
            lines.append(f"{indent}- {escape(entry.name)}")
            continue
        note = f" {escape(entry.note)}" if entry.note else ""
        lines.append(f"{indent}- **{MARKS[entry.mark]}** `{entry.name}`{note}")
        lines += [f"{indent}  - {escape(detail)}" for detail in entry.details]
        lines += [f"{indent}  - `{triple}`" for triple in entry.triples]
    return lines


def render_markdown(sections: list[Section], old: str, new: str) -> str:
    """The differences as Markdown, for a pull request or a change log: facts nest under the
    sentence that states them."""
    lines = [f"# Changes from `{old}` to `{new}`", ""]
    for section in sections:
        lines += [f"## {section.title}: {section.counts}", ""]
        lines += _markdown_entries(section.entries, "")
        for group in section.groups:
            lines.append(f"- **`{group.name}`** {escape(group.quote)}".rstrip())
            lines += [f"  - *{escape(detail)}*" for detail in group.details]
            lines += _markdown_entries(group.entries, "  ")
        if section:
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
