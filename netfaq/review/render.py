"""The review pages' HTML, built by pure functions from what the records hold: no requests, no
database, no sessions (the CSRF value comes in as an argument), so each is tested on its own.
Every string from a conversation is escaped; the pages carry no script.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote, urlencode

from netfaq.core.dialogue import FALLBACK_INTENT
from netfaq.review import annotations, records

ERROR_TITLES = {400: "Check the request", 403: "Form expired", 404: "Not found", 405: "Not allowed", 413: "Too large"}


def when(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


def badges(flags: list[str]) -> str:
    return " ".join(f'<span class="flag flag-{f}">{escape(f.replace("_", " "))}</span>' for f in flags) or "–"


def options(values: list[str], selected: str | None, blank: str = "any") -> str:
    items = [f'<option value="">{escape(blank)}</option>'] if blank is not None else []
    for value in values:
        mark = " selected" if value == selected else ""
        items.append(f'<option value="{escape(value)}"{mark}>{escape(value)}</option>')
    return "".join(items)


def csrf_field(csrf: str | None) -> str:
    """The session's CSRF value (none for a bearer token, which needs none)."""
    return f'<input type="hidden" name="csrf" value="{escape(csrf)}">' if csrf else ""


def page(title: str, body: str, csrf: str | None, signed_in: bool = True) -> str:
    nav = ""
    if signed_in:
        nav = (
            '<nav aria-label="Review"><a href="/">Conversations</a> <a href="/inbox">Training inbox</a>'
            f'<form method="post" action="/logout" class="inline">{csrf_field(csrf)}'
            '<button type="submit" class="link">Sign out</button></form></nav>'
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{escape(title)} · NET FAQ review</title><link rel="stylesheet" href="/review.css"></head>'
        f'<body><header class="top"><p class="brand">NET FAQ assistant · staff review</p>{nav}</header>'
        f"<main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )


def error_body(message: str) -> str:
    return f'<p class="problem" role="alert">{escape(message)}</p><p><a href="/">Back to conversations</a></p>'


def login_body(message: str, next_path: str) -> str:
    alert = f'<p class="problem" role="alert">{escape(message)}</p>' if message else ""
    return (
        f"{alert}<p>Conversations here are patients' own words (redacted). Sign in with the review token "
        "(<code>NETFAQ_REVIEW_TOKEN</code>, or the file <code>var/review-token</code> on the server).</p>"
        f'<form method="post" action="/login?next={quote(next_path, safe="")}" class="login">'
        f'<input type="hidden" name="next" value="{escape(next_path)}">'
        '<label for="token">Review token</label>'
        '<input id="token" name="token" type="password" autocomplete="current-password" required>'
        '<button type="submit">Sign in</button></form>'
    )


def cell(column: records.Column, item: records.Conversation, note: records.Note) -> str:
    """A list cell: the column's value, as a link, badges or a time where that reads better."""
    if column.key == "conversation_id":
        return f'<a href="/conversations/{quote(item.id)}">{escape(item.id)}</a>'
    if column.key == "ended":
        return when(item.ended)
    if column.key == "flags":
        return badges(item.flags)
    return escape(column.value(item, note)) or "–"


def conversation_table(shown: list[records.Conversation], notes: dict[str, records.Note]) -> str:
    if not shown:
        return '<p class="empty">No conversations match these filters.</p>'
    headings = "".join(f'<th scope="col">{escape(column.heading)}</th>' for column in records.LISTED_COLUMNS)
    rows = "".join(
        "<tr>"
        + "".join(f"<td>{cell(c, item, notes.get(item.id, records.Note()))}</td>" for c in records.LISTED_COLUMNS)
        + "</tr>"
        for item in shown
    )
    return (
        '<table class="conversations"><caption>Newest first. Times are UTC.</caption>'
        f"<thead><tr>{headings}</tr></thead><tbody>{rows}</tbody></table>"
    )


def pager(kept: dict[str, str], number: int, pages: int) -> str:
    if pages <= 1:
        return ""
    links = []
    if number > 1:
        links.append(f'<a href="/?{urlencode({**kept, "page": number - 1})}" rel="prev">Newer</a>')
    links.append(f"<span>Page {number} of {pages}</span>")
    if number < pages:
        links.append(f'<a href="/?{urlencode({**kept, "page": number + 1})}" rel="next">Older</a>')
    return f'<nav class="pager" aria-label="Pages">{" ".join(links)}</nav>'


def filter_form(
    query: dict[str, str], items: list[records.Conversation], intents: list[str], procedures: list[str]
) -> str:
    procedures = sorted(set(procedures) | {p for c in items for p in c.procedures})

    def text(name: str, label: str, kind: str = "text", hint: str = "") -> str:
        value = escape(query.get(name, ""))
        extra = f' placeholder="{hint}"' if hint else ""
        return f'<label>{label}<input name="{name}" type="{kind}" value="{value}"{extra}></label>'

    def choice(name: str, label: str, values: list[str] | tuple[str, ...]) -> str:
        return f'<label>{label}<select name="{name}">{options(list(values), query.get(name))}</select></label>'

    return (
        '<form method="get" action="/" class="filters" aria-label="Filter conversations">'
        + choice("flag", "Flag", records.FLAGS)
        + choice("status", "Status", records.STATUSES)
        + text("since", "From (YYYY-MM-DD)", hint="2026-11-01")
        + text("until", "To (YYYY-MM-DD)", hint="2026-11-30")
        + choice("procedure", "Procedure", procedures)
        + choice("intent", "Intent", intents)
        + text("tag", "Tag")
        + text("search", "Search patient text", "search")
        + '<button type="submit">Filter</button> <a href="/">Clear</a></form>'
    )


def summary(counts: records.Summary) -> str:
    def card(label: str, value: str) -> str:
        return f'<div class="card"><span class="value">{escape(value)}</span> {escape(label)}</div>'

    rate = f"{counts.fallback_rate:.0%}"
    top = ", ".join(f"{escape(p)} ({n})" for p, n in counts.top_procedures) or "none yet"
    cards = (
        card("conversations", str(counts.conversations))
        + card("patient messages", str(counts.patient_messages))
        + card("handed off to nurses", str(counts.handoffs))
        + card("given emergency advice", str(counts.emergencies))
        + card(f"fallback rate ({records.counted(counts.fallback_messages, 'message')})", rate)
        + card("with negative feedback", str(counts.negative_feedback))
    )
    return (
        f'<section class="summary" aria-label="Summary"><div class="cards">{cards}</div>'
        f"<p>Top procedures asked about: {top}</p>{chart(counts.per_day)}</section>"
    )


def chart(per_day: list) -> str:
    """Conversations per day as an SVG bar chart (no script; SVG attributes are not inline style)."""
    if not per_day:
        return ""
    width, height, gap = 600, 120, 2
    bar = min(40, max(4, (width - gap * len(per_day)) // len(per_day)))
    peak = max(n for _, n in per_day)
    bars = []
    for i, (day, n) in enumerate(per_day):
        h = max(1, round((height - 20) * n / peak))
        x = i * (bar + gap)
        bars.append(
            f'<rect class="bar" x="{x}" y="{height - h}" width="{bar}" height="{h}">'
            f"<title>{day}: {records.counted(n, 'conversation')}</title></rect>"
        )
    first, last = per_day[0][0], per_day[-1][0]
    label = f"Conversations per day from {first} to {last}; most on one day: {peak}."
    return (
        f'<figure class="chart"><svg role="img" aria-label="{escape(label)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">{"".join(bars)}</svg>'
        f"<figcaption>Conversations per day, {first} to {last} (highest: {peak})</figcaption></figure>"
    )


def listing_body(
    query: dict[str, str],
    items: list[records.Conversation],
    shown: list[records.Conversation],
    notes: dict[str, records.Note],
    number: int,
    pages: int,
    intents: list[str],
    procedures: list[str],
) -> str:
    kept = {k: v for k, v in query.items() if k not in ("page", "erased") and v}
    export = f'<p><a class="button" href="/export.csv?{urlencode(kept)}">Export these {len(items)} as CSV</a></p>'
    erased = query.get("erased")
    return (
        (f'<p class="saved" role="status">Conversation {escape(erased)} was erased.</p>' if erased else "")
        + summary(records.summarise(items))
        + filter_form(query, items, intents, procedures)
        + f'<p class="count" id="count">{records.counted(len(items), "conversation")}</p>'
        + export
        + conversation_table(shown, notes)
        + pager(kept, number, pages)
    )


def transcript_body(item: records.Conversation, note: records.Note, saved: bool, csrf: str | None) -> str:
    turns = "".join(turn_html(i, turn) for i, turn in enumerate(item.turns))
    checked = " checked" if note.reviewed else ""
    form = (
        f'<form method="post" action="/conversations/{quote(item.id)}" class="note">{csrf_field(csrf)}'
        f'<label class="check"><input type="checkbox" name="reviewed" value="yes"{checked}> Reviewed</label>'
        f'<label>Tags (separate with commas)<input name="tags" value="{escape(" ".join(note.tags))}"></label>'
        f'<label>Note<textarea name="note" rows="3">{escape(note.note)}</textarea></label>'
        '<button type="submit">Save</button></form>'
    )
    status = '<p class="saved" role="status">Saved.</p>' if saved else ""
    erase = (
        f'<form method="post" action="/erase" class="erase">{csrf_field(csrf)}'
        f'<input type="hidden" name="conversation" value="{escape(item.id)}">'
        '<label class="check"><input type="checkbox" name="confirm" value="yes" required> '
        "Erase this conversation for good (a patient's erasure request), with staff comments, tags "
        'and training labels</label><button type="submit">Erase</button></form>'
    )
    return (
        f'{status}<p class="meta">Started {when(item.started)} UTC · last message {when(item.ended)} UTC · '
        f"{records.counted(len(item.turns), 'patient message')} · flags: {badges(item.flags)}</p>"
        f'{form}<ol class="transcript">{turns}</ol>{erase}'
    )


def turn_html(index: int, turn: records.Turn) -> str:
    confidence = f"{turn.confidence:.2f}" if turn.confidence is not None else "–"
    guess = (
        f" (classifier's guess: {escape(turn.classifier_intent)})"
        if turn.intent == FALLBACK_INTENT and turn.classifier_intent
        else ""
    )
    facts = (
        f"intent <b>{escape(turn.intent or '–')}</b> {confidence}{guess} · procedure "
        f"<b>{escape(', '.join(turn.procedures) or '–')}</b> · answered by "
        f"<b>{escape(', '.join(turn.actions) or '–')}</b>"
    )
    marker = ' <span class="flag flag-fallback">to the training inbox</span>' if turn.needs_training else ""
    replies = "".join(f'<p class="bot">{escape(r)}</p>' for r in turn.replies)
    return (
        f'<li id="turn-{index}"><p class="patient">{escape(turn.text)}</p>'
        f'<p class="nlu">{facts}{marker}</p>{replies}</li>'
    )


def inbox_body(
    waiting: list[records.InboxItem],
    shown: list[records.InboxItem],
    labels: list[annotations.Label],
    intents: list[str],
    procedures: list[str],
    csrf: str | None,
) -> str:
    items = "".join(inbox_item(i, intents, procedures, csrf) for i in shown)
    more = f"<p>Showing the newest {len(shown)} of {len(waiting)}.</p>" if len(waiting) > len(shown) else ""
    rows = "".join(
        f"<tr><td>{escape(label.text)}</td><td>{escape(label.intent)}</td><td>{escape(label.procedure or '–')}</td>"
        f'<td><form method="post" action="/inbox/unlabel" class="inline">{csrf_field(csrf)}'
        f'<input type="hidden" name="conversation" value="{escape(label.conversation_id)}">'
        f'<input type="hidden" name="turn" value="{label.turn_index}">'
        '<button type="submit" class="link">Remove</button></form></td></tr>'
        for label in labels
    )
    labelled = (
        f'<h2>Labelled ({len(labels)})</h2><p><a class="button" href="/inbox.yml">Download as Rasa NLU YAML</a> '
        "then move the examples into <code>data/nlu/</code> and run <code>make train</code>.</p>"
        '<table class="labels"><thead><tr><th scope="col">Message</th><th scope="col">Intent</th>'
        f'<th scope="col">Procedure</th><th scope="col"></th></tr></thead><tbody>{rows}</tbody></table>'
        if labels
        else "<h2>Labelled (0)</h2><p>Nothing labelled yet.</p>"
    )
    intro = (
        f"<p>{records.counted(len(waiting), 'patient message')} to label: each fell to fallback or was understood "
        f"with low confidence (below {records.LOW_CONFIDENCE:.0%}). Give each the intent (and procedure) it should "
        "have had.</p>"
    )
    body = intro + more + (f'<ol class="inbox">{items}</ol>' if items else '<p class="empty">Inbox empty.</p>')
    return body + labelled


def inbox_item(entry: records.InboxItem, intents: list[str], procedures: list[str], csrf: str | None) -> str:
    turn = entry.turn
    suggested = turn.classifier_intent if turn.intent == FALLBACK_INTENT else turn.intent
    procedure = turn.procedures[0] if turn.procedures else None
    confidence = f"{turn.confidence:.2f}" if turn.confidence is not None else "–"
    key = f"{entry.conversation_id}-{entry.turn_index}"
    link = f"/conversations/{quote(entry.conversation_id)}#turn-{entry.turn_index}"
    return (
        f'<li><p class="patient">{escape(turn.text)}</p><p class="nlu">understood as '
        f'{escape(turn.intent or "–")} ({confidence}) · <a href="{link}">in its conversation</a></p>'
        f'<form method="post" action="/inbox/label" class="label-form">{csrf_field(csrf)}'
        f'<input type="hidden" name="conversation" value="{escape(entry.conversation_id)}">'
        f'<input type="hidden" name="turn" value="{entry.turn_index}">'
        f'<label for="intent-{escape(key)}">Intent</label>'
        f'<select id="intent-{escape(key)}" name="intent" required>'
        f"{options(intents, suggested, blank='choose…')}</select>"
        f'<label for="procedure-{escape(key)}">Procedure</label>'
        f'<select id="procedure-{escape(key)}" name="procedure">'
        f"{options(procedures, procedure, blank='none')}</select>"
        '<button type="submit">Add to training data</button></form></li>'
    )
