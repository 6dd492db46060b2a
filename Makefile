# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test bench quality clean venv

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# The machine's pip (23.2) fails on some dependency sets: upgrade it first.
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[web,serve,bench,test,ray,local,semantic]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/copytrace scan examples/lavrov --out out/lavrov --report

test: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) bench/fingerprint_bench.py

quality: $(STAMP)
	$(PY) bench/quality.py

clean:
	rm -rf $(VENV) out .pytest_cache
