"""The demo page server: the page filled in with the notices, from the one file of service numbers."""

import threading

import pytest
import requests

from netfaq.core.replies import emergency_notice
from netfaq.core.safety import default_rules
from netfaq.tools.demo_page import DEFAULT_KEEP_HOURS, chat_keep_hours, make_server, page_fields


@pytest.fixture
def demo():
    server = make_server(0, "http://127.0.0.1:5005")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_demo_page_carries_the_notice_with_the_service_numbers(demo):
    page = requests.get(demo + "/", timeout=10).text
    fields = page_fields("http://127.0.0.1:5005")
    assert emergency_notice(default_rules().services) in fields["NOTICE"]
    assert 'data-notice="This chat is not for emergencies: in an emergency call 999; if it is urgent' in page
    assert "In an emergency, call 999." in page and "{{" not in page
    assert 'data-server="http://127.0.0.1:5005"' in page


def test_the_widget_has_no_number_of_its_own():
    from netfaq.tools.demo_page import WEB_DIR

    widget = (WEB_DIR / "netfaq-chat.js").read_text(encoding="utf-8")
    code = "\n".join(line for line in widget.splitlines() if not line.lstrip().startswith("*"))
    assert "999" not in code and "111" not in code


def test_the_page_tells_the_widget_how_long_to_keep_an_idle_chat(demo):
    page = requests.get(demo + "/", timeout=10).text
    assert f'data-keep-hours="{DEFAULT_KEEP_HOURS:g}"' in page
    assert chat_keep_hours({"NETFAQ_CHAT_KEEP_HOURS": "0.5"}) == 0.5
    assert page_fields("http://x", {"NETFAQ_CHAT_KEEP_HOURS": "8"})["KEEP_HOURS"] == "8"


@pytest.mark.parametrize("value", ["0", "-1", "soon", "100000"])
def test_a_bad_keep_hours_setting_stops_the_page_server_from_starting(value, monkeypatch):
    monkeypatch.setenv("NETFAQ_CHAT_KEEP_HOURS", value)
    with pytest.raises(ValueError, match="NETFAQ_CHAT_KEEP_HOURS must be a number of hours"):
        make_server(0, "http://127.0.0.1:5005")
