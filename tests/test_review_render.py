"""The review pages' HTML from pure functions: escaped, one set of list columns, CSRF only where given."""

from datetime import datetime, timezone

from netfaq.review import records, render


def conversation(text: str = "<script>alert(1)</script> my scan") -> records.Conversation:
    moment = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
    turns = [
        records.Turn(
            text, "nlu_fallback", 0.3, ["mibg_scan"], ["action_answer_question"], ["An answer"], "ask_results"
        ),
        records.Turn("chest pain now", "emergency", 1.0, [], ["utter_emergency"], ["Call 999"]),
    ]
    return records.Conversation('web-<b>"x"</b>', moment, moment, turns)


def test_the_list_shows_the_listed_columns_in_order_and_escapes_everything():
    item = conversation()
    html = render.conversation_table([item], {item.id: records.Note(reviewed=True, tags=("<i>t</i>",))})
    headings = [column.heading for column in records.LISTED_COLUMNS]
    positions = [html.index(f'<th scope="col">{heading}</th>') for heading in headings]
    assert positions == sorted(positions) and "Intents" not in html  # exported, not listed
    assert "<b>" not in html and "&lt;b&gt;" in html and "&lt;i&gt;t&lt;/i&gt;" in html
    assert "flag-emergency" in html and "flag-fallback" in html and ">yes<" in html
    assert render.conversation_table([], {}) == '<p class="empty">No conversations match these filters.</p>'


def test_forms_carry_the_sessions_csrf_value_and_none_without_a_session():
    item = conversation()
    with_session = render.transcript_body(item, records.Note(), saved=False, csrf="value-1")
    assert with_session.count('name="csrf" value="value-1"') == 2  # the note form and the erase form
    assert 'name="csrf"' not in render.transcript_body(item, records.Note(), saved=False, csrf=None)
    assert "<script>" not in with_session and "&lt;script&gt;" in with_session
    assert "classifier's guess: ask_results" in with_session


def test_the_page_shell_and_the_sign_in_form():
    assert 'name="csrf" value="v"' in render.page("Title <x>", "<p>body</p>", "v")
    assert "Title &lt;x&gt;" in render.page("Title <x>", "", None)
    signed_out = render.page("Sign in", render.login_body("", "/inbox?x=1"), None, signed_in=False)
    assert "Sign out" not in signed_out and 'action="/login?next=%2Finbox%3Fx%3D1"' in signed_out
    assert render.chart([]) == ""
