# Everyday commands. `make help` lists them.
SHELL := /bin/bash
PY := .venv/bin/python
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: help install run test train retrain rollback build validate lint format lock evaluate coverage bench bench-scale safety freshness clean

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: ## create .venv (Python 3.10) and install the locked dependencies
	@bash scripts/bootstrap.sh

run: install ## build, train if needed, start both servers and chat in this terminal
	$(PY) -m netfaq run

test: install ## the whole test suite, browser tests included (trains the model first if needed)
	@bash scripts/ensure_test_tools.sh
	$(PY) -m pytest

build: install ## validate the knowledge base and write what derives from it
	$(PY) -m netfaq build

train: install ## build, then train a model if data, domain or config changed
	$(PY) -m netfaq train

retrain: install ## validate, train, measure against the model in service, promote only if not worse
	$(PY) -m netfaq retrain

rollback: install ## put the model promoted before the one in service back in service
	$(PY) -m netfaq rollback

validate: install ## check the knowledge base and the Rasa training data
	$(PY) -m netfaq validate
	.venv/bin/rasa data validate --fail-on-warnings

evaluate: install ## score the latest model on the held-out NLU set
	$(PY) -m netfaq evaluate --json reports/heldout.json

bench: train ## benchmarks against a stock `rasa init` assistant (10-30 min): reports/bench/report.md, .json, PNGs
	$(PY) -m bench.run_all
	$(PY) -m bench.review_load --json reports/bench/review_load.json

bench-scale: train ## 1 and 2 Rasa servers behind HAProxy on PostgreSQL and Redis, lock store cost (about 6 min)
	@bash scripts/ensure_test_tools.sh
	$(PY) -m bench.scale --json reports/bench/scale.json

coverage: install ## which procedure topics the sources cover
	$(PY) -m netfaq coverage

safety: install ## render the clinical hazard log (docs/safety/hazard-log.md) from docs/safety/hazards.yml
	$(PY) -m netfaq safety-report

freshness: install ## sources past their review date and the facts citing them
	$(PY) -m netfaq freshness

lint: install ## ruff checks and formatting check
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: install ## apply ruff formatting and safe fixes
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

lock: install ## re-resolve requirements/main.in into requirements/lock.txt
	.venv/bin/uv pip compile requirements/main.in -o requirements/lock.txt --python-version 3.10 --python-platform x86_64-manylinux_2_28

clean: ## remove derived files and trained models (not .venv)
	rm -rf build models reports .pytest_cache
