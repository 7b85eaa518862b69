/*
 * NET imaging FAQ chat widget. No dependencies, no build step.
 *
 * Embed:
 *   <link rel="stylesheet" href="https://YOUR-HOST/netfaq-chat.css">
 *   <script src="https://YOUR-HOST/netfaq-chat.js" defer
 *           data-server="https://YOUR-RASA-SERVER"
 *           data-title="Questions about your scan"
 *           data-initial-message="/greet"
 *           data-notice="This chat is not for emergencies: in an emergency call 999; ..."
 *           data-max-length="2000"
 *           data-keep-hours="2"></script>
 *
 * data-notice is the line shown above the conversation: the page fills it in with the emergency
 * and urgent numbers the hospital uses (the demo page takes them from data/safety/emergency.yml).
 * "Delete this conversation" asks the assistant to erase it; once erased, the widget forgets it too.
 * "Clear this chat" forgets it in this browser only and starts a new conversation.
 * Talks to Rasa's REST channel. What a reload needs (sender id, the transcript on screen and any
 * message not yet delivered) is kept in sessionStorage: it goes when the tab closes, and after
 * data-keep-hours without a message it is cleared from storage and from the screen, so a shared
 * computer doesn't keep a patient's words.
 * Every string from the patient or the server is inserted as text, never as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var config = {
    server: (script && script.dataset.server) || "http://127.0.0.1:5005",
    title: (script && script.dataset.title) || "Questions about your scan",
    initialMessage: (script && script.dataset.initialMessage) || "/greet",
    notice: (script && script.dataset.notice) || "This chat is not for emergencies.",
    // The server's limit (netfaq/core/patient_request.py MAX_MESSAGE_CHARS), filled in by the page.
    maxLength: parseInt((script && script.dataset.maxLength) || "2000", 10),
    keepHours: parseFloat((script && script.dataset.keepHours) || "2"),
  };
  var ERASE_WORDS = "delete my conversation";
  var STORAGE_KEY = "netfaq-chat:" + config.server;
  var KEEP_MS = (config.keepHours > 0 ? config.keepHours : 2) * 3600 * 1000;
  var EXPIRY_CHECK_MS = 60000;
  var REQUEST_TIMEOUT_MS = 30000;
  var PHONE = /\b0\d{3} \d{3} \d{4}\b/g;

  function freshState(open) {
    return {
      sender: newSenderId(),
      eraseKey: randomHex(),
      transcript: [],
      pending: null,
      open: open,
      started: false,
      savedAt: Date.now(),
    };
  }

  function expired(saved) {
    return !(saved.savedAt > Date.now() - KEEP_MS);
  }

  function loadState() {
    try {
      // Earlier versions kept the whole transcript in localStorage with no expiry: remove it.
      window.localStorage.removeItem(STORAGE_KEY);
      var saved = JSON.parse(window.sessionStorage.getItem(STORAGE_KEY) || "null");
      if (saved && saved.sender && saved.eraseKey && Array.isArray(saved.transcript) && !expired(saved)) return saved;
      window.sessionStorage.removeItem(STORAGE_KEY);
    } catch (e) {
      /* unreadable storage: start afresh */
    }
    return freshState(false);
  }

  function randomHex() {
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function newSenderId() {
    return "web-" + (window.crypto.randomUUID ? window.crypto.randomUUID() : randomHex());
  }

  var state = loadState();

  /* Only what a reload redraws (no error notices: a reload retries instead). */
  function storedState() {
    var transcript = state.transcript
      .filter(function (entry) { return entry.from !== "error"; })
      .map(function (entry) {
        var kept = { from: entry.from, text: entry.text };
        if (entry.failed) kept.failed = true;
        if (entry.buttons && entry.buttons.length) kept.buttons = entry.buttons;
        if (entry.calendar) kept.calendar = entry.calendar;
        return kept;
      });
    return {
      sender: state.sender,
      eraseKey: state.eraseKey,
      transcript: transcript,
      pending: state.pending,
      open: state.open,
      started: state.started,
      savedAt: state.savedAt,
    };
  }

  function saveState() {
    try {
      window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(storedState()));
    } catch (e) {
      /* private mode or full storage: the chat still works for this page view */
    }
  }

  function forget() {
    try {
      window.sessionStorage.removeItem(STORAGE_KEY);
    } catch (e) {
      /* nothing stored */
    }
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  /* Plain text with UK phone numbers turned into tel: links, built from text nodes only. */
  function textWithLinks(text) {
    var fragment = document.createDocumentFragment();
    var last = 0;
    text.replace(PHONE, function (match, offset) {
      fragment.appendChild(document.createTextNode(text.slice(last, offset)));
      var digits = match.replace(/\D/g, "");
      var link = el("a", { href: "tel:+44" + digits.slice(1), class: "netfaq-tel", text: match });
      fragment.appendChild(link);
      last = offset + match.length;
      return match;
    });
    fragment.appendChild(document.createTextNode(text.slice(last)));
    return fragment;
  }

  /* ---- layout ---- */

  var launcher = el("button", {
    type: "button",
    class: "netfaq-launcher",
    "aria-expanded": "false",
    "aria-controls": "netfaq-panel",
    text: "Questions about your scan? Chat with us",
  });
  var titleId = "netfaq-title";
  var closeButton = el("button", { type: "button", class: "netfaq-close", "aria-label": "Close chat", text: "\u00d7" });
  var eraseButton = el("button", { type: "button", class: "netfaq-erase", text: "Delete this conversation" });
  var clearButton = el("button", { type: "button", class: "netfaq-clear", text: "Clear this chat" });
  var header = el("div", { class: "netfaq-header" }, [
    el("h2", { id: titleId, class: "netfaq-title", text: config.title }),
    closeButton,
  ]);
  var tools = el("div", { class: "netfaq-tools" }, [clearButton, eraseButton]);
  var notice = el("p", { class: "netfaq-notice", text: config.notice });
  var log = el("div", {
    class: "netfaq-log",
    role: "log",
    "aria-live": "polite",
    "aria-label": "Conversation",
    tabindex: "0",
  });
  var status = el("div", { class: "netfaq-status", role: "status" });
  var inputId = "netfaq-input";
  var input = el("input", {
    id: inputId,
    class: "netfaq-input",
    type: "text",
    autocomplete: "off",
    maxlength: "5000",
    placeholder: "Type your question",
  });
  var sendButton = el("button", { type: "submit", class: "netfaq-send", text: "Send" });
  var form = el("form", { class: "netfaq-form" }, [
    el("label", { for: inputId, class: "netfaq-visually-hidden", text: "Your question" }),
    input,
    sendButton,
  ]);
  var panel = el(
    "section",
    { id: "netfaq-panel", class: "netfaq-panel", role: "dialog", "aria-labelledby": titleId, hidden: "" },
    [header, notice, log, status, form, tools]
  );
  var root = el("div", { class: "netfaq-root" }, [panel, launcher]);

  /* ---- transcript ---- */

  function renderBotText(text) {
    var box = el("div", { class: "netfaq-bubble" });
    var list = null;
    text.split("\n").forEach(function (line) {
      if (/^Sources?: /.test(line)) {
        box.appendChild(el("p", { class: "netfaq-source" }, [line]));
        list = null;
      } else if (line.indexOf("\u2022 ") === 0) {
        if (!list) {
          list = el("ul");
          box.appendChild(list);
        }
        var item = el("li");
        item.appendChild(textWithLinks(line.slice(2)));
        list.appendChild(item);
      } else if (line.trim()) {
        var para = el("p");
        para.appendChild(textWithLinks(line));
        box.appendChild(para);
        list = null;
      }
    });
    return box;
  }

  function answersAQuestion(index) {
    return state.transcript.slice(0, index).some(function (e) { return e.from === "user"; });
  }

  function renderEntry(entry, index) {
    if (entry.from === "user") {
      var bubble = el("div", { class: "netfaq-bubble", text: entry.text });
      var row = el("div", { class: "netfaq-msg netfaq-user" }, [
        el("span", { class: "netfaq-visually-hidden", text: "You said: " }),
        bubble,
      ]);
      if (entry.failed) row.appendChild(el("span", { class: "netfaq-unsent", text: "Not sent yet" }));
      return row;
    }
    if (entry.from === "note") return el("p", { class: "netfaq-note", text: entry.text });
    if (entry.from === "error") {
      var retry = el("button", { type: "button", class: "netfaq-retry", text: "Try again" });
      retry.addEventListener("click", function () {
        deliver();
      });
      return el("div", { class: "netfaq-msg netfaq-error", role: "alert" }, [
        el("p", { text: entry.text }),
        retry,
      ]);
    }
    var children = [el("span", { class: "netfaq-visually-hidden", text: "Assistant said: " })];
    if (entry.text) children.push(renderBotText(entry.text));
    if (entry.calendar) children.push(calendarLink(entry.calendar));
    if (entry.buttons && entry.buttons.length) {
      var group = el("div", { class: "netfaq-buttons", role: "group", "aria-label": "Suggested replies" });
      entry.buttons.forEach(function (button) {
        var b = el("button", { type: "button", class: "netfaq-quick", text: button.title });
        b.disabled = index !== state.transcript.length - 1;
        b.addEventListener("click", function () {
          send(button.payload, button.title);
        });
        group.appendChild(b);
      });
      children.push(group);
    } else if (entry.text && index === state.transcript.length - 1 && answersAQuestion(index)) {
      // One tap tells staff an answer didn't help: it reaches the review pages as negative feedback.
      var feedback = el("button", { type: "button", class: "netfaq-feedback", text: "This didn't help" });
      feedback.addEventListener("click", function () {
        send("/feedback_negative", "This didn't help");
      });
      children.push(feedback);
    }
    return el("div", { class: "netfaq-msg netfaq-bot" }, children);
  }

  /* A personal timeline's dates as a calendar file (made by the server), downloaded with one tap. */
  function calendarLink(calendar) {
    var file = new Blob([calendar.text], { type: "text/calendar;charset=utf-8" });
    return el("a", {
      class: "netfaq-calendar",
      href: URL.createObjectURL(file),
      download: calendar.filename,
      text: "Add these dates to your calendar (.ics file)",
    });
  }

  function renderAll() {
    log.textContent = "";
    state.transcript.forEach(function (entry, index) {
      log.appendChild(renderEntry(entry, index));
    });
    // Show the start of the newest message: a long answer is read from its top.
    var newest = log.lastElementChild;
    log.scrollTop = newest ? Math.max(0, newest.offsetTop - 8) : 0;
  }

  function append(entry) {
    state.transcript.push(entry);
    saveState();
    renderAll();
  }

  /* ---- talking to Rasa ---- */

  function setBusy(busy) {
    status.textContent = busy ? "The assistant is typing\u2026" : "";
    status.classList.toggle("netfaq-typing", busy);
    sendButton.disabled = busy;
    clearButton.disabled = busy;
  }

  function post(message) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller && window.setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS);
    return window
      // The sender in the address too: a load balancer keeps a conversation on one Rasa server by it.
      .fetch(config.server.replace(/\/$/, "") + "/webhooks/rest/webhook?sender=" + encodeURIComponent(state.sender), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        // The erase key goes with every message: the first registers it, and only it can erase the
        // conversation (the sender id travels in addresses and logs; this key stays in this tab).
        body: JSON.stringify({ sender: state.sender, message: message, metadata: { erase_key: state.eraseKey } }),
        signal: controller ? controller.signal : undefined,
      })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .finally(function () {
        if (timer) window.clearTimeout(timer);
      });
  }

  /* Sends state.pending; on failure it stays pending (and stored) until a retry succeeds. */
  function deliver() {
    if (!state.pending) return;
    state.transcript = state.transcript.filter(function (e) { return e.from !== "error"; });
    state.transcript.forEach(function (e) { delete e.failed; });
    saveState();
    renderAll();
    setBusy(true);
    var pending = state.pending;
    post(pending.payload)
      .then(function (replies) {
        state.pending = null;
        var erased = false;
        (replies || []).forEach(function (reply) {
          if (reply.custom && reply.custom.erase_conversation) erased = true;
          var newest = state.transcript[state.transcript.length - 1];
          if (reply.custom && reply.custom.calendar && newest && newest.from === "bot") {
            newest.calendar = reply.custom.calendar; // sent just after the timeline's text
          }
          if (reply.text || (reply.buttons && reply.buttons.length)) {
            state.transcript.push({ from: "bot", text: reply.text || "", buttons: reply.buttons || [] });
          }
        });
        if (erased) {
          // The server has erased the conversation: forget it here too, keeping only its last word.
          var last = state.transcript[state.transcript.length - 1];
          state = freshState(true);
          state.started = true;
          if (last) state.transcript.push(last);
        }
        saveState();
        renderAll();
      })
      .catch(function () {
        var shown = state.transcript.filter(function (e) { return e.from === "user"; });
        if (shown.length && pending.shown) shown[shown.length - 1].failed = true;
        append({
          from: "error",
          text: "Sorry, the assistant can't be reached right now. Your message has been kept: press Try again.",
        });
      })
      .finally(function () {
        setBusy(false);
      });
  }

  function send(payload, shownText) {
    if (state.pending) return;
    state.savedAt = Date.now();
    state.pending = { payload: payload, shown: shownText !== null };
    if (shownText !== null) state.transcript.push({ from: "user", text: shownText });
    saveState();
    renderAll();
    deliver();
  }

  /* ---- open, close, keyboard ---- */

  function openPanel() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    launcher.hidden = true;
    state.open = true;
    saveState();
    renderAll();
    input.focus();
    if (!state.started) {
      state.started = true;
      send(config.initialMessage, null);
    } else if (state.pending && !status.textContent) {
      deliver();
    }
  }

  function closePanel() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    saveState();
    launcher.focus();
  }

  /* Forgets the conversation in this browser (the server keeps its redacted record) and starts anew. */
  function clearChat(message) {
    if (sendButton.disabled) return; // a reply is on its way: it would land in the new chat
    forget();
    state = freshState(!panel.hidden);
    state.transcript.push({ from: "note", text: message });
    saveState();
    renderAll();
    if (state.open) {
      state.started = true;
      send(config.initialMessage, null);
    }
  }

  function clearIfExpired() {
    if (state.transcript.length && expired(state)) clearChat("This chat was cleared after a time without messages.");
  }

  launcher.addEventListener("click", openPanel);
  clearButton.addEventListener("click", function () {
    clearChat("This chat has been cleared from this browser.");
  });
  eraseButton.addEventListener("click", function () {
    send(ERASE_WORDS, "Delete this conversation");
  });
  closeButton.addEventListener("click", closePanel);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closePanel();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim() || state.pending) return;
    if (text.length > config.maxLength) {
      // Kept in the box to shorten; nothing is sent.
      status.textContent =
        "Please keep your message under " + config.maxLength.toLocaleString("en-GB") +
        " characters (it has " + text.length.toLocaleString("en-GB") + ").";
      return;
    }
    input.value = "";
    send(text, text);
  });

  function mount() {
    document.body.appendChild(root);
    renderAll();
    if (state.open) openPanel();
    window.setInterval(clearIfExpired, EXPIRY_CHECK_MS);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
