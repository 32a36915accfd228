# The two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
# Always the project's own venv: a VENV exported in the user's shell (an activated venv), `make -e` or
# MAKEFLAGS must not redirect the install, so the name is Roost's own and the value cannot be overridden.
override ROOST_VENV := .venv
override BIN := $(ROOST_VENV)/bin
override STAMP := $(ROOST_VENV)/.roost-installed

.PHONY: demo test screenshots bench emulator clean

# Once, about half a minute: each step says what it does, and pip shows its own progress.
$(STAMP): pyproject.toml
	@echo "roost setup 1/3: a virtual environment in $(ROOST_VENV)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(ROOST_VENV)
	@echo "roost setup 2/3: an up-to-date pip"
	$(BIN)/python -m pip install --upgrade --progress-bar on pip
	@echo "roost setup 3/3: Roost and what it needs to run and test"
	$(BIN)/python -m pip install --progress-bar on -e '.[test]'
	touch $(STAMP)
	@echo "roost setup done"

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
	rm -rf $(ROOST_VENV) build dist .pytest_cache
