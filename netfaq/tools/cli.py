"""`netfaq`: the developers' and staff's command line. Each command is a thin wrapper over the library."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before spaCy or Rasa pull in TensorFlow

import argparse
import signal
import sys
import time
import warnings
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from netfaq.core.paths import (
    GENERATED_NLU_FILE,
    GENERATED_REDIRECTS_FILE,
    HAZARD_LOG_FILE,
    HAZARD_REPORT_FILE,
    KNOWLEDGE_DIR,
    PROJECT_ROOT,
    SOURCE_SHINGLES_FILE,
    SOURCES_DIR,
    SPACY_MODEL_DIR,
)

if TYPE_CHECKING:
    from netfaq.nlu import augment


FAQ_EXAMPLE = (
    "netfaq faq add --id bring_someone --question 'Can I bring someone with me?' \\\n"
    "      --answer 'You can bring one adult with you to the waiting area.' \\\n"
    "      --plain 'One adult can come with you and wait with you.' --source hospital_visiting \\\n"
    "      --asked-as 'can my husband come with me' --asked-as 'can i bring a friend'"
)


def _load(knowledge: Path):
    from netfaq.core.knowledge import KnowledgeBaseError, load_knowledge

    try:
        return load_knowledge(knowledge)
    except KnowledgeBaseError as error:
        print(error, file=sys.stderr)
        raise SystemExit(1) from error


def cmd_validate(args: argparse.Namespace) -> int:
    kb = _load(args.knowledge)
    facts = sum(len(f) for p in kb.procedures.values() for f in p.topics.values() if f)
    gaps = sum(1 for p in kb.procedures.values() for f in p.topics.values() if f is None)
    general = sum(len(t.facts) for t in kb.general.values())
    print(
        f"knowledge base OK: {len(kb.sources)} sources, {len(kb.procedures)} procedures, "
        f"{facts} procedure facts, {gaps} topics not in the sources, {len(kb.general)} general topics "
        f"({general} facts), {len(kb.aliases)} aliases"
    )
    spec = _load_personal_details()
    if spec is not None:
        print(f"personal details OK: {len(spec.snippets)} snippets, {spec.share:.0%} of the questions copied with them")
    return 0


def _load_personal_details() -> augment.DetailsSpec | None:
    """The details file config.yml gives the intent classifier, checked; exits naming the problem."""
    from netfaq.nlu import augment

    details = augment.configured_file(PROJECT_ROOT / "config.yml")
    try:
        return augment.load_spec(details) if details is not None else None
    except augment.DetailsSpecError as error:
        print(error, file=sys.stderr)
        raise SystemExit(1) from error


def _build(knowledge: Path) -> None:
    from netfaq.tools.build import build

    result = build(_load(knowledge))
    print(
        f"spaCy entity ruler ({result.pattern_count} patterns) -> {SPACY_MODEL_DIR}: "
        f"{'updated' if result.spacy_changed else 'unchanged'}\n"
        f"NLU synonyms -> {GENERATED_NLU_FILE}: {'updated' if result.nlu_changed else 'unchanged'}\n"
        f"redirect examples -> {GENERATED_REDIRECTS_FILE}: {'updated' if result.redirects_changed else 'unchanged'}"
    )


def _build_and_train(knowledge: Path, force: bool) -> int:
    from netfaq.tools.training import train

    _build(knowledge)
    _load_personal_details()  # a broken file stops here with its problem, not in a Rasa traceback
    started = time.monotonic()
    code = train(force=force)
    print(f"rasa train finished in {time.monotonic() - started:.1f}s (exit {code})")
    return code


def cmd_build(args: argparse.Namespace) -> int:
    _build(args.knowledge)
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    return _build_and_train(args.knowledge, args.force)


def cmd_ingest(args: argparse.Namespace) -> int:
    from netfaq.tools.drafts import write_draft
    from netfaq.tools.ingest import IngestError

    started = time.monotonic()
    try:
        draft, ingested = write_draft(args.document, args.id, args.source_id, args.name)
    except IngestError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for section in ingested.sections:
        print(f"  section line {section.heading.number:>3}: {section.heading.text[:60]!r} -> {section.topic or '-'}")
    for figure in ingested.figures:
        label = f" ({figure.label})" if figure.label else ""
        print(f"  {figure.kind:<8} {figure.text!r} line {figure.line.number}{label}")
    print(f"draft written to {draft} in {time.monotonic() - started:.1f}s: check it, then `netfaq draft accept`")
    return 0


def cmd_draft_accept(args: argparse.Namespace) -> int:
    from netfaq.core.knowledge import EditRefused
    from netfaq.tools.drafts import accept, draft_path

    try:
        written = accept(draft_path(args.draft))
    except EditRefused as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        f"accepted: {written} (and its source in sources.yml). Next: netfaq shingles, netfaq build, then netfaq retrain"
    )
    return 0


def cmd_faq_add(args: argparse.Namespace) -> int:
    from netfaq.core.knowledge import EditRefused
    from netfaq.tools.faqs import add_faq

    try:
        written = add_faq(args.id, args.question, args.answer, args.source, args.asked_as, plain=args.plain or [])
    except EditRefused as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {written}: answered as soon as the action server reloads the knowledge base (no retraining)")
    return 0


def cmd_retrain(args: argparse.Namespace) -> int:
    from netfaq.tools.gate import render, retrain
    from netfaq.tools.model_registry import RegistryError

    try:
        outcome = retrain(args.by, finetune=args.finetune, tolerance=args.tolerance)
    except RegistryError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if outcome.rows:
        print(render(outcome.rows))
    print(outcome.message, *(f"{k} {v:.1f}s" for k, v in outcome.seconds.items()))
    if outcome.promoted:
        started = outcome.seconds["server start"]
        print(f"Restart the Rasa server to serve it (netfaq run, or your service manager): {started:.0f} s here.")
    return 1 if outcome.status == "refused" else 0


def cmd_rollback(args: argparse.Namespace) -> int:
    from netfaq.tools.model_registry import RegistryError, rollback

    try:
        out, back = rollback()
    except RegistryError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"rolled back: {back.model} (promoted {back.promoted_at} by {back.promoted_by}) is in service again")
    print(f"taken out of service: {out.model}. Restart the Rasa server to serve {back.model}.")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from netfaq.tools.model_registry import RegistryError, load

    try:
        registry = load()
    except RegistryError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for m in registry.history:
        mark = "*" if m.model == registry.in_service else " "
        f1, right = m.metrics.get("intent macro-F1"), m.metrics.get("questions right")
        print(f"{mark} {m.model}  promoted {m.promoted_at} by {m.promoted_by}  F1 {f1}  questions right {right}")
    print(f"{len(registry.history)} promoted; * in service" if registry.history else "no model promoted yet")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from netfaq.tools.run import run

    if _build_and_train(args.knowledge, force=False) != 0:
        return 1
    return run(
        rasa_port=args.port,
        action_port=args.actions_port,
        web_port=args.web_port,
        review_port=args.review_port,
        open_chat=not args.no_chat,
    )


def cmd_chat(args: argparse.Namespace) -> int:
    from netfaq.tools.chat import RestClient, chat

    try:
        chat(RestClient(args.url))
    except KeyboardInterrupt:
        print()
    return 0


def cmd_stack(args: argparse.Namespace) -> int:
    from netfaq.tools.stack import Ports, running_stack
    from netfaq.tools.training import served_model

    model = served_model()
    if model is None:
        print("error: no trained model in models/: run `netfaq train` first", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a service manager's stop, like Ctrl-C
    free = Ports.free(args.rasa_servers, args.action_servers)
    ports = Ports(args.port, args.actions_port, free.rasa, free.action_servers, free.redis, free.postgres)
    print(f"Starting {args.rasa_servers} Rasa and {args.action_servers} action servers, HAProxy, PostgreSQL, Redis ...")
    started = time.monotonic()
    try:
        with running_stack(model, args.rasa_servers, args.action_servers, ports=ports) as stack:
            print(
                f"Ready in {time.monotonic() - started:.0f}s: patients' door {stack.url} (the widget's data-server), "
                f"Rasa servers on {', '.join(map(str, ports.rasa))}, Redis on {ports.redis}, PostgreSQL on "
                f"{ports.postgres} (database netfaq), logs in {stack.folder / 'logs'}. Ctrl-C stops everything.",
                flush=True,
            )
            while all(process.popen.poll() is None for process in stack.processes):
                time.sleep(1)
            stopped = next(process for process in stack.processes if process.popen.poll() is not None)
            print(f"{stopped.name} stopped: {stopped.last_words()}; stopping everything.", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("\nStopped.")
    except (RuntimeError, TimeoutError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    from netfaq.tools.demo_page import serve

    print(f"Serving the demo page on http://{args.host}:{args.port}/ (Rasa at {args.rasa_url})", flush=True)
    try:
        serve(args.port, args.rasa_url, args.host)
    except ValueError as error:
        print(f"The demo page server did not start: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from netfaq.core.database import database_url
    from netfaq.review import records
    from netfaq.review.retention import delete_older_than, retention_days

    url = database_url()
    args.days = retention_days() if args.days is None else args.days
    result = delete_older_than(sa.create_engine(url), args.days)
    print(
        f"deleted {records.counted(result.conversations, 'conversation')} ({records.counted(result.events, 'event')}) "
        f"older than {args.days:g} days "
        f"from {url.render_as_string(hide_password=True)}"
    )
    return 0


def _review_engine():
    import sqlalchemy as sa

    from netfaq.core.database import database_url

    return sa.create_engine(database_url())


def cmd_review_list(args: argparse.Namespace) -> int:
    from netfaq.review import annotations, records

    engine = _review_engine()
    try:
        filters = records.Filters(
            args.flag, args.since, args.until, args.procedure, args.intent, args.search, args.status, args.tag
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    notes = annotations.all_notes(engine)
    items = records.conversations(engine, filters, notes)
    if args.csv:
        with open(args.csv, "w", newline="", encoding="utf-8") as out:
            count = records.write_csv(items, out, notes)
        print(f"wrote {records.counted(count, 'conversation')} to {args.csv}")
        return 0
    print("  ".join(column.heading for column in records.LISTED_COLUMNS))
    for item in items:
        note = notes.get(item.id, records.Note())
        print("  ".join(column.value(item, note) or "-" for column in records.LISTED_COLUMNS))
    print(records.counted(len(items), "conversation"))
    return 0


def cmd_review_show(args: argparse.Namespace) -> int:
    from netfaq.review import annotations, records

    engine = _review_engine()
    item = records.conversation(engine, args.conversation_id)
    if item is None:
        print(f"no conversation with id {args.conversation_id!r}", file=sys.stderr)
        return 1
    note = annotations.get_note(engine, item.id)
    print(f"{item.id}  {item.started:%Y-%m-%d %H:%M}  flags: {' '.join(item.flags) or '-'}")
    print(f"reviewed: {'yes' if note.reviewed else 'no'}  tags: {' '.join(note.tags) or '-'}  note: {note.note or '-'}")
    for index, turn in enumerate(item.turns):
        confidence = f"{turn.confidence:.2f}" if turn.confidence is not None else "-"
        print(f"\n[{index}] patient: {turn.text}")
        print(
            f"  intent {turn.intent} ({confidence}); procedure {', '.join(turn.procedures) or '-'}; "
            f"answered by {', '.join(turn.actions) or '-'}"
        )
        for reply in turn.replies:
            print("  bot: " + reply.replace("\n", "\n       "))
    return 0


def cmd_review_mark(args: argparse.Namespace) -> int:
    from netfaq.review import annotations, records

    engine = _review_engine()
    if records.conversation(engine, args.conversation_id) is None:
        print(f"no conversation with id {args.conversation_id!r}", file=sys.stderr)
        return 1
    try:
        tags = annotations.parse_tags(args.tags) if args.tags is not None else None
        note = annotations.save_note(engine, args.conversation_id, args.reviewed, args.note, tags)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{args.conversation_id}: reviewed {'yes' if note.reviewed else 'no'}; tags {' '.join(note.tags) or '-'}")
    return 0


def cmd_review_inbox(args: argparse.Namespace) -> int:
    from netfaq.review import annotations, records

    engine = _review_engine()
    labels = annotations.all_labels(engine)
    if args.to_data:
        from netfaq.tools.nlu_files import NluFileError, add_examples

        try:
            added, already = add_examples([(label.text, label.intent) for label in labels])
        except NluFileError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        for item in added:
            print(f"  {item.file.relative_to(PROJECT_ROOT)}  {item.intent}: {item.text}")
        print(f"added {len(added)} labelled message(s) to data/nlu ({already} already there). Next: netfaq retrain")
        return 0
    if args.yaml:
        args.yaml.write_text(annotations.nlu_yaml(labels), encoding="utf-8")
        print(f"wrote {records.counted(len(labels), 'labelled message')} to {args.yaml} (Rasa NLU YAML)")
        return 0
    waiting = annotations.unlabelled(records.inbox(records.conversations(engine)), labels)
    for entry in waiting:
        turn = entry.turn
        confidence = f"{turn.confidence:.2f}" if turn.confidence is not None else "-"
        print(f"{entry.conversation_id} {entry.turn_index}  {turn.intent} ({confidence})  {turn.text}")
    print(f"{records.counted(len(waiting), 'message')} to label; {len(labels)} labelled (export with --yaml FILE)")
    return 0


def cmd_review_label(args: argparse.Namespace) -> int:
    from netfaq.review import annotations, records
    from netfaq.review.pages import domain_intents, knowledge_procedures

    engine = _review_engine()
    item = records.conversation(engine, args.conversation_id)
    if item is None or not 0 <= args.turn < len(item.turns):
        print(f"no message {args.turn} in conversation {args.conversation_id!r}", file=sys.stderr)
        return 1
    if args.intent not in domain_intents():
        print(f"error: {args.intent!r} is not an intent in domain.yml", file=sys.stderr)
        return 2
    if args.procedure and args.procedure not in knowledge_procedures():
        print(f"error: {args.procedure!r} is not a procedure in the knowledge base", file=sys.stderr)
        return 2
    text = item.turns[args.turn].text
    annotations.save_label(engine, item.id, args.turn, text, args.intent, args.procedure)
    print(f"labelled {text!r} as {args.intent}" + (f" ({args.procedure})" if args.procedure else ""))
    return 0


def cmd_review_erase(args: argparse.Namespace) -> int:
    from netfaq.review.retention import erase_conversation

    engine = _review_engine()
    if not args.yes:
        print("Erasing cannot be undone: add --yes to confirm.", file=sys.stderr)
        return 2
    deleted = erase_conversation(engine, args.conversation_id)
    if not deleted:
        print(f"no stored conversation with the id {args.conversation_id!r}", file=sys.stderr)
        return 1
    print(f"erased {args.conversation_id}: {deleted} events, with its note, tags and training labels")
    return 0


def cmd_review_summary(args: argparse.Namespace) -> int:
    from netfaq.review import records

    counts = records.summarise(records.conversations(_review_engine()))
    print(
        f"{records.counted(counts.conversations, 'conversation')}, "
        f"{records.counted(counts.patient_messages, 'patient message')}; "
        f"handoffs {counts.handoffs}; emergencies {counts.emergencies}; negative feedback {counts.negative_feedback}; "
        f"fallback rate {counts.fallback_rate:.1%} ({records.counted(counts.fallback_messages, 'message')})"
    )
    print("top procedures: " + (", ".join(f"{p} {n}" for p, n in counts.top_procedures) or "-"))
    for day, n in counts.per_day:
        print(f"  {day}  {n:>5}  {'#' * min(n, 60)}")
    return 0


def cmd_review_web(args: argparse.Namespace) -> int:
    from netfaq.review.pages import review_token, serve
    from netfaq.review.sessions import session_settings

    try:
        token = review_token()
        settings = session_settings()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Serving the review pages on http://{args.host}:{args.port}/ (sign in with the review token)", flush=True)
    try:
        serve(_review_engine(), token, args.port, settings, args.host)
    except KeyboardInterrupt:
        pass
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    from netfaq.core.topics import TOPICS

    kb = _load(args.knowledge)
    width = max(len(p) for p in kb.procedures) + 2
    print("".ljust(width) + " ".join(t[:5].ljust(5) for t in TOPICS))
    for pid, procedure in sorted(kb.procedures.items()):
        cells = [("yes" if procedure.topics[t] else "-").ljust(5) for t in TOPICS]
        print(pid.ljust(width) + " ".join(cells))
    print("\nyes = answered from a cited source; - = the sources don't say (the assistant defers)")
    return 0


def cmd_shingles(args: argparse.Namespace) -> int:
    from netfaq.tools.originality import source_documents, write_shingles

    documents = source_documents(args.sources)
    if not documents:
        print(f"no source documents (.txt, .html) in {args.sources}", file=sys.stderr)
        return 1
    count = write_shingles(documents, args.out)
    print(f"wrote {count} hashes of {len(documents)} documents' 12-word runs to {args.out}")
    return 0


def cmd_safety_report(args: argparse.Namespace) -> int:
    from netfaq.tools.hazards import HazardLogError, existing_tests, load_hazard_log, release_problems, render

    try:
        log = load_hazard_log(args.log)
    except HazardLogError as error:
        print(error, file=sys.stderr)
        return 1
    problems = release_problems(log, existing_tests())
    for problem in problems:
        print(f"{args.log.name}: {problem}", file=sys.stderr)
    rendered = render(log)
    current = args.out.read_text(encoding="utf-8") if args.out.exists() else None
    if args.check:
        if current != rendered:
            print(f"{args.out} is out of date: run netfaq safety-report", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date: {len(log.hazards)} hazards, {len(log.control_tests())} control tests")
    elif current != rendered:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(rendered, encoding="utf-8")
        print(f"wrote {args.out}: {len(log.hazards)} hazards, {len(log.control_tests())} control tests")
    else:
        print(f"{args.out} unchanged: {len(log.hazards)} hazards")
    return 1 if problems else 0


def cmd_freshness(args: argparse.Namespace) -> int:
    from netfaq.core.freshness import fail_on_stale, freshness_report, overdue_sources

    try:
        fail = args.fail or fail_on_stale(os.environ)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    kb = _load(args.knowledge)
    print(freshness_report(kb, args.date))
    return 1 if fail and overdue_sources(kb, args.date) else 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from netfaq.nlu.evaluate import evaluate_model
    from netfaq.tools.training import latest_model

    model = args.model or latest_model()
    if model is None:
        print("error: no trained model in models/: run `make train` first", file=sys.stderr)
        return 2
    report = evaluate_model(args.data, model)
    print(report.summary())
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(report.to_json(), encoding="utf-8")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="netfaq",
        description="Build, check, train and run the NET imaging FAQ assistant.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Every command has --help with an example. Start with: netfaq run",
    )
    sub = top.add_subparsers(dest="command", required=True)

    def add(name: str, func, help_text: str, example: str, into=sub) -> argparse.ArgumentParser:
        """A command (or, with `into`, a sub-command) whose help ends with its example."""
        p = into.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog="example:\n  " + example,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if func is not None:
            p.set_defaults(func=func)
        return p

    for name, func, help_text, example in (
        (
            "validate",
            cmd_validate,
            "Check the knowledge base; every problem is named with its file and entry.",
            "netfaq validate\n  netfaq validate --knowledge tests/fixtures/kb_valid",
        ),
        (
            "build",
            cmd_build,
            "Validate, then write the spaCy entity ruler and the generated NLU synonyms.",
            "netfaq build",
        ),
        (
            "coverage",
            cmd_coverage,
            "Show which procedure topics the sources cover and which they don't.",
            "netfaq coverage",
        ),
    ):
        add(name, func, help_text, example).add_argument("--knowledge", type=Path, default=KNOWLEDGE_DIR)

    train = add(
        "train",
        cmd_train,
        "Build, then train a Rasa model if data, domain or config changed.",
        "netfaq train            # skips training when nothing changed\n  netfaq train --force",
    )
    train.add_argument("--knowledge", type=Path, default=KNOWLEDGE_DIR)
    train.add_argument("--force", action="store_true", help="train even if nothing changed")

    run = add(
        "run",
        cmd_run,
        "Build, train if needed, start both servers, then chat in this terminal.",
        "netfaq run              # servers + terminal chat\n  netfaq run --no-chat    # servers only",
    )
    run.add_argument("--knowledge", type=Path, default=KNOWLEDGE_DIR)
    run.add_argument("--port", type=int, default=5005, help="Rasa server port (default 5005)")
    run.add_argument("--actions-port", type=int, default=5055, help="action server port (default 5055)")
    run.add_argument("--web-port", type=int, default=8080, help="demo web page port (default 8080)")
    run.add_argument("--review-port", type=int, default=8081, help="staff review pages port (default 8081)")
    run.add_argument("--no-chat", action="store_true", help="start the servers and wait, without a chat")

    chat = add(
        "chat",
        cmd_chat,
        "Chat with a running assistant in the terminal over the REST channel.",
        "netfaq chat --url http://127.0.0.1:5005",
    )
    chat.add_argument("--url", default="http://127.0.0.1:5005", help="Rasa server URL")

    stack = add(
        "stack",
        cmd_stack,
        "Several Rasa servers and action servers behind HAProxy, on PostgreSQL and Redis (docs/scaling.md).",
        "netfaq stack --rasa-servers 2 --action-servers 2 --port 5005",
    )
    stack.add_argument("--rasa-servers", type=int, default=2, help="how many Rasa servers (default 2)")
    stack.add_argument("--action-servers", type=int, default=2, help="how many action servers (default 2)")
    stack.add_argument("--port", type=int, default=5005, help="the balancer's door for patients (default 5005)")
    stack.add_argument("--actions-port", type=int, default=5055, help="the balancer's door to the actions (5055)")

    web = add(
        "web",
        cmd_web,
        "Serve the web chat widget and the demo page (under a Content-Security-Policy).",
        "netfaq web --port 8080 --rasa-url http://127.0.0.1:5005",
    )
    web.add_argument("--port", type=int, default=8080)
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--rasa-url", default="http://127.0.0.1:5005", help="the Rasa server the widget talks to")

    retention = add(
        "retention",
        cmd_retention,
        "Delete stored conversations whose last message is older than --days (database from NETFAQ_DB_*).",
        example="netfaq retention --days 90\n  NETFAQ_DB_DIALECT=postgresql NETFAQ_DB_HOST=db netfaq retention",
    )
    retention.add_argument("--days", type=float, default=None, help="default: NETFAQ_RETENTION_DAYS, else 90")

    review = add(
        "review",
        None,
        "Staff review of stored (redacted) conversations: list, read, mark, label, export.",
        "netfaq review list --flag emergency\n  netfaq review show web-3f2a9c\n  netfaq review web --port 8081",
    )
    review_sub = review.add_subparsers(dest="review_command", required=True)
    listing = add(
        "list",
        cmd_review_list,
        "Conversations with date, length and flags, newest first.",
        into=review_sub,
        example="netfaq review list --flag handoff --since 2026-11-01 --csv handoffs.csv",
    )
    listing.add_argument("--flag", help="handoff, emergency, fallback, low_confidence or negative_feedback")
    listing.add_argument("--status", help="reviewed or unreviewed")
    listing.add_argument("--since", help="first day, YYYY-MM-DD")
    listing.add_argument("--until", help="last day, YYYY-MM-DD")
    listing.add_argument("--procedure", help="procedure id, e.g. mibg_scan")
    listing.add_argument("--intent", help="intent name, e.g. ask_results")
    listing.add_argument("--tag", help="a tag staff gave")
    listing.add_argument("--search", help="text the patient typed")
    listing.add_argument("--csv", type=Path, help="write the listed conversations to this CSV file")
    show = add(
        "show",
        cmd_review_show,
        "One conversation's transcript with intent, confidence, procedure and answering action.",
        into=review_sub,
        example="netfaq review show web-3f2a9c",
    )
    show.add_argument("conversation_id")
    mark = add(
        "mark",
        cmd_review_mark,
        "Mark a conversation reviewed (or not), and set its note and tags.",
        into=review_sub,
        example='netfaq review mark web-3f2a9c --reviewed --tags "wrong-answer, mibg" --note "results question"',
    )
    mark.add_argument("conversation_id")
    mark.add_argument("--reviewed", action=argparse.BooleanOptionalAction, default=None)
    mark.add_argument("--note", help="replaces the note")
    mark.add_argument("--tags", help="replaces the tags; separate with commas or spaces")
    inbox = add(
        "inbox",
        cmd_review_inbox,
        "The training inbox: messages that fell to fallback or had low confidence; --yaml exports the labelled.",
        into=review_sub,
        example="netfaq review inbox\n  netfaq review inbox --yaml inbox.yml\n  netfaq review inbox --to-data",
    )
    inbox.add_argument("--yaml", type=Path, help="write the labelled messages here as Rasa NLU YAML")
    inbox.add_argument(
        "--to-data", action="store_true", help="add the labelled messages to data/nlu, each under its intent"
    )
    label = add(
        "label",
        cmd_review_label,
        "Give an inbox message (conversation id and message number from `inbox`) its right intent.",
        into=review_sub,
        example="netfaq review label web-3f2a9c 2 --intent ask_results --procedure mibg_scan",
    )
    label.add_argument("conversation_id")
    label.add_argument("turn", type=int, help="the message number shown by `inbox` or `show`")
    label.add_argument("--intent", required=True)
    label.add_argument("--procedure")
    erase = add(
        "erase",
        cmd_review_erase,
        "Erase one conversation for good (a patient's erasure request): events, note, tags, labels.",
        into=review_sub,
        example="netfaq review erase web-3f2a9c --yes",
    )
    erase.add_argument("conversation_id")
    erase.add_argument("--yes", action="store_true", help="confirm: erasing cannot be undone")
    add(
        "summary",
        cmd_review_summary,
        "Counts: conversations per day, handoffs, emergencies, fallback rate, top procedures.",
        into=review_sub,
        example="netfaq review summary",
    )
    web_review = add(
        "web",
        cmd_review_web,
        "Serve the review pages (token from NETFAQ_REVIEW_TOKEN or var/review-token).",
        into=review_sub,
        example="netfaq review web --port 8081",
    )
    web_review.add_argument("--port", type=int, default=8081)
    web_review.add_argument("--host", default="127.0.0.1")

    shingles = add(
        "shingles",
        cmd_shingles,
        "Hash every run of 12 words in the source documents, so tests can check facts are in our own words.",
        example="netfaq shingles --sources ../shared/sources",
    )
    shingles.add_argument(
        "--sources", type=Path, default=SOURCES_DIR, help="the folder of every source document (.txt, .html)"
    )
    shingles.add_argument("--out", type=Path, default=SOURCE_SHINGLES_FILE)

    safety_report = add(
        "safety-report",
        cmd_safety_report,
        "Render the clinical hazard log to Markdown, checking every control names tests that exist.",
        example="netfaq safety-report            # writes docs/safety/hazard-log.md\n"
        "  netfaq safety-report --check    # fails if the rendered log is out of date",
    )
    safety_report.add_argument("--log", type=Path, default=HAZARD_LOG_FILE, help="the hazard log (YAML)")
    safety_report.add_argument("--out", type=Path, default=HAZARD_REPORT_FILE, help="where the Markdown goes")
    safety_report.add_argument("--check", action="store_true", help="write nothing; fail if --out is out of date")

    freshness = add(
        "freshness",
        cmd_freshness,
        "List sources past their review date and the facts citing them "
        "(fails with --fail or NETFAQ_STALE_SOURCES=fail when there are any).",
        example="netfaq freshness\n  netfaq freshness --fail --date 2027-01-01",
    )
    freshness.add_argument("--knowledge", type=Path, default=KNOWLEDGE_DIR)
    freshness.add_argument("--date", type=date.fromisoformat, default=date.today(), help="judge as of this day")
    freshness.add_argument("--fail", action="store_true", help="exit 1 when any source is overdue")

    ingest = add(
        "ingest",
        cmd_ingest,
        "Read a new source document (text or saved HTML) and write a draft knowledge-base entry to check.",
        example="netfaq ingest leaflets/capsule-endoscopy.html --id capsule_endoscopy --source-id nhs_capsule",
    )
    ingest.add_argument("document", type=Path, help="a .txt file, or a web page saved as .html")
    ingest.add_argument("--id", help="the new test's id (default: from the document's title)")
    ingest.add_argument("--source-id", help="the document's id in sources.yml (default: from its file name)")
    ingest.add_argument("--name", help="the test's name, when the document's title does not give it")

    draft = add(
        "draft",
        None,
        "Drafts written by `netfaq ingest`: accept one once a person has checked it.",
        "netfaq draft accept capsule_endoscopy",
    )
    draft_sub = draft.add_subparsers(dest="draft_command", required=True)
    accept = add(
        "accept",
        cmd_draft_accept,
        "Move a reviewed draft (no TODO left, reviewed_by filled in) into the knowledge base.",
        into=draft_sub,
        example="netfaq draft accept capsule_endoscopy\n"
        "  netfaq draft accept data/knowledge/drafts/capsule_endoscopy.yml",
    )
    accept.add_argument("draft", help="the draft's procedure id, or its path")

    faq = add(
        "faq",
        None,
        "FAQs that belong to no single test, one file each in data/knowledge/faqs/.",
        FAQ_EXAMPLE,
    )
    faq_sub = faq.add_subparsers(dest="faq_command", required=True)
    faq_add = add(
        "add",
        cmd_faq_add,
        "Add a FAQ with its answer, the source it cites and how patients ask it.",
        into=faq_sub,
        example=FAQ_EXAMPLE,
    )
    faq_add.add_argument("--id", required=True, help="lower case and underscores, e.g. bring_someone")
    faq_add.add_argument("--question", required=True, help="the FAQ as the answer's heading")
    faq_add.add_argument("--answer", required=True, action="append", help="one fact, in our words (repeatable)")
    faq_add.add_argument(
        "--plain", action="append", help="that fact in plain words, reading age 9 to 11 (repeatable, one per --answer)"
    )
    faq_add.add_argument("--source", required=True, help="the id in data/knowledge/sources.yml it comes from")
    faq_add.add_argument("--asked-as", required=True, action="append", help="a way patients ask it (repeatable)")

    retrain = add(
        "retrain",
        cmd_retrain,
        "Validate, train, measure against the model in service and promote the new model only if it is not worse.",
        example="netfaq retrain --by 'A. Developer'\n  netfaq retrain --by 'A. Developer' --finetune",
    )
    retrain.add_argument("--by", default=os.environ.get("USER", "unknown"), help="who promotes (default: $USER)")
    retrain.add_argument("--finetune", action="store_true", help="fine-tune the model in service when safe")
    retrain.add_argument("--tolerance", type=float, default=0.0, help="intent macro-F1 drop allowed (default 0)")

    add(
        "rollback", cmd_rollback, "Put the model promoted before the one in service back in service.", "netfaq rollback"
    )
    add("models", cmd_models, "List the promoted models, what they measured and which is in service.", "netfaq models")

    evaluate = add(
        "evaluate",
        cmd_evaluate,
        "Score a trained model on an NLU test set (intent and entity F1).",
        "netfaq evaluate --data tests/nlu/heldout.yml --json reports/heldout.json",
    )
    evaluate.add_argument("--data", type=Path, default=Path("tests/nlu/heldout.yml"))
    evaluate.add_argument("--model", type=Path, default=None, help="model file (default: the latest)")
    evaluate.add_argument("--json", type=Path, default=None, help="also write the report as JSON here")
    return top


def main(argv: list[str] | None = None) -> int:
    # Third-party deprecation notices (spaCy, TensorFlow, click) are noise for a patient-facing run.
    warnings.simplefilter("ignore", DeprecationWarning)
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
