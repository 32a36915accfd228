# The two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
# Always the project's own venv: a VENV exported in the user's shell (an activated venv) must not
# redirect the install.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.roost-installed

.PHONY: demo test screenshots bench emulator clean

$(STAMP): pyproject.toml
	@echo "Setting up $(VENV) with Roost and what it needs (once; about half a minute)..."
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/roost --demo

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

emulator: $(STAMP)
	$(BIN)/roost emulator

screenshots: $(STAMP)
	$(BIN)/python -m tui.screenshots screenshots

bench: $(STAMP)
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) build dist .pytest_cache
