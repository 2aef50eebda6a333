# Parley: the two commands a newcomer needs are `make up` and `make test`.
# Both install whatever is missing first (system packages when run as root, the venv, the jars).

SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
JARS  := $(VENV)/.kafka-jars-stamp

.PHONY: up test unit static deps py-deps system-deps clean

up: deps
	bash infra/frontend.sh build
	$(VENV)/bin/parley up

test: deps
	bash infra/test.sh

# The fast loop: lint, types, import layering and the unit tests; no broker, no browser.
unit: py-deps
	bash infra/test.sh unit

static: py-deps
	bash infra/test.sh static

deps: system-deps $(STAMP) $(JARS)

py-deps: $(STAMP)

system-deps:
	@bash infra/system-deps.sh

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,bench]'
	touch $@

# The embedded broker's jars, resolved by Maven into PARLEY_KAFKA__LIBS (~/.cache/parley/kafka-libs).
$(JARS): $(STAMP) runtime/ops/kafka/pom.xml
	$(VENV)/bin/parley kafka fetch
	touch $@

clean:
	-$(VENV)/bin/parley kafka stop
	rm -rf $(VENV) .parley
