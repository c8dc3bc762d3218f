# The front door: `make run` starts the assistant, `make test` runs every test.
# Everything installs itself on first use (virtual environment from requirements.lock).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
AUDIT_VENV := .venv-audit
# make check's tools and the typed packages our code imports, without Rasa: installs in under a minute.
CHECK_VENV := .venv-check
HOOKS_VENV := .venv-hooks
PY := $(VENV)/bin/python
# Rasa's command line with our fixes (bot/rasa_server.py: telemetry always off, faster checks of action answers).
RASA := $(PY) -m bot.rasa_server
MODEL := models/current.tar.gz
SPACY_PIPELINE := build/spacy_pipeline/meta.json
# The risk detector's learned model (bot/risk/model.py), fitted again when its data or code changes.
RISK_MODEL := build/risk_model.stamp
RISK_INPUTS := $(wildcard data/risk/*.tsv data/risk/corpus/*.tsv data/nlu/*.yml) bot/risk/training.tsv \
	bot/risk/lexicon.yaml bot/risk/model.py bot/risk/encoder.py
COUNTRY_DATA := data/nlu/countries.yml
GENERATED := $(COUNTRY_DATA)
TRAINING_INPUTS := config.yml $(filter-out $(GENERATED),$(wildcard data/*/*.yml) $(wildcard domain/*.yml)) $(GENERATED)

export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export ACTION_ENDPOINT_URL ?= http://127.0.0.1:5055/webhook

.PHONY: help install build train migrate run run-cluster shell check format hooks lint validate audit docs test test-stories \
	test-python bench soak lock clean

help:
	@echo "make run     install, build, train if data changed, migrate, start the assistant"
	@echo "make test    every test: content lint, data validation, dependency audit, test stories, pytest (NLU, storage, end to end)"
	@echo "make check   in a minute, no training, no servers: ruff (lint, format) and mypy; make format fixes what it can"
	@echo "make run-cluster  the same on PostgreSQL, Redis and nginx, two of every server"
	@echo "make shell   chat with the running assistant in this terminal"
	@echo "make bench   benchmarks: the web app against bare Rasa, risk message to counsellor queue"
	@echo "make soak    50 conversations for 10 minutes: every message stored and answered exactly once"
	@echo "make audit   pip-audit over requirements.lock, against security/reviewed-vulnerabilities.yaml"
	@echo "make train | make lint | make validate | make docs | make migrate | make lock | make hooks | make clean"

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

install: $(VENV)/.installed

# pip-audit lives apart: its own dependencies need a newer `packaging` than Rasa allows.
$(AUDIT_VENV)/.installed: requirements-audit.lock
	@test -x $(AUDIT_VENV)/bin/python || "$$(scripts/find-python)" -m venv $(AUDIT_VENV)
	$(AUDIT_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-audit.lock
	@touch $@

$(CHECK_VENV)/.installed: requirements-check.in requirements.lock
	@test -x $(CHECK_VENV)/bin/python || "$$(scripts/find-python)" -m venv $(CHECK_VENV)
	$(CHECK_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-check.in -c requirements.lock
	@touch $@

check: $(CHECK_VENV)/.installed
	$(CHECK_VENV)/bin/ruff check .
	$(CHECK_VENV)/bin/ruff format --check .
	$(CHECK_VENV)/bin/mypy

format: $(CHECK_VENV)/.installed
	$(CHECK_VENV)/bin/ruff check --fix .
	$(CHECK_VENV)/bin/ruff format .

# pre-commit runs make check's tools before each commit (.pre-commit-config.yaml).
hooks: $(CHECK_VENV)/.installed
	@test -x $(HOOKS_VENV)/bin/python || "$$(scripts/find-python)" -m venv $(HOOKS_VENV)
	$(HOOKS_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-hooks.lock
	$(HOOKS_VENV)/bin/pre-commit install

$(SPACY_PIPELINE): bot/nlp/build.py $(VENV)/.installed
	$(PY) -m bot.nlp.build

$(COUNTRY_DATA): bot/content/regions.yaml bot/nlp/country_data.py $(VENV)/.installed
	$(PY) -m bot.nlp.country_data

$(RISK_MODEL): $(RISK_INPUTS) $(VENV)/.installed
	$(PY) -m bot.risk --fit
	@touch $@

build: $(SPACY_PIPELINE) $(GENERATED) $(RISK_MODEL)

# Rasa keeps the old model when its fingerprint says nothing changed; touch so make agrees.
$(MODEL): $(TRAINING_INPUTS) $(SPACY_PIPELINE)
	$(RASA) train --domain domain --fixed-model-name current --out models
	@touch $@

train: build $(MODEL)

migrate: install
	$(PY) -m bot.store upgrade

run: train migrate
	$(PY) -m bot.launch

# The production layout on this machine: PostgreSQL, Redis, nginx, two Rasa, two action servers, two web apps.
run-cluster: train
	$(PY) -m bot.cluster

shell: install
	$(PY) -m bot.chat

lint: build
	$(PY) -m bot.content.lint

docs: install
	$(PY) -m bot.content.sources

# Known vulnerabilities in the pinned dependencies; says plainly when no vulnerability service can be reached.
audit: install $(AUDIT_VENV)/.installed
	$(PY) -m bot.dependency_audit --pip-audit $(AUDIT_VENV)/bin/pip-audit

validate: build
	$(RASA) data validate --domain domain --fail-on-warnings

test-stories: train
	$(RASA) test core --stories tests/stories --model $(MODEL) --fail-on-prediction-errors --out results/core

test-python: train
	$(PY) -m pytest

test: lint validate audit test-stories test-python

# Figures, not pass/fail: latency and throughput through the web app against bare Rasa, in the same run.
# BENCH_ARGS="--rasa-cores 0 --latency-only" measures with Rasa on a core of its own (see docs/benchmarks.md).
bench: train
	$(PY) -m benchmarks.web $(BENCH_ARGS)
	$(PY) -m benchmarks.risk

# Long load, not part of make test (which runs a short one): fails if a message is lost or answered twice.
soak: train migrate
	$(PY) -m benchmarks.soak --minutes 10 --conversations 50

# Re-resolve every dependency in one go and pin the result (never `pip install X` alone).
define resolve
	rm -rf /tmp/lock-venv && "$$(scripts/find-python)" -m venv /tmp/lock-venv
	/tmp/lock-venv/bin/pip install --quiet -r $(1)
	(echo "# Generated by 'make lock' from $(1) with Python 3.10. Do not edit."; \
	 /tmp/lock-venv/bin/pip freeze --all | grep -v '^pip==') > $(2)
endef

lock:
	$(call resolve,requirements.in,requirements.lock)
	$(call resolve,requirements-audit.in,requirements-audit.lock)
	$(call resolve,requirements-hooks.in,requirements-hooks.lock)

clean:
	rm -rf build models results $(GENERATED) .pytest_cache .mypy_cache .ruff_cache
