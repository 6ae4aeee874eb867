# Two commands set everything up: `make demo` and `make test`. Both go through `make install`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install demo test test-future fuzz bench cluster-test clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@scripts/system-deps.sh base
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

demo: install
	$(BIN)/qm demo

test: install
	scripts/test.sh

# The whole suite with every process's clock a year ahead (libfaketime): no test may depend on today's date.
test-future: install
	scripts/test.sh future

# The API fuzz (tests/api/test_fuzz.py) with more generated requests per operation than the suite's 4.
fuzz: install
	QM_FUZZ_EXAMPLES=$${QM_FUZZ_EXAMPLES:-50} scripts/test.sh tests/api/test_fuzz.py -q

bench: install
	scripts/test.sh bench

# A 3-node RabbitMQ cluster (Debian's rabbitmq-server, installed here if missing) with nodes killed mid-stream,
# then its throughput against one node and a Mosquitto (tests/cluster, bench/cluster.py; docs/scaling.md).
# A few minutes; not part of `make test`.
cluster-test: install
	scripts/system-deps.sh rabbitmq
	QM_CLUSTER_TESTS=1 scripts/test.sh tests/cluster -x -q -s
	scripts/test.sh bench cluster --ingest

clean:
	rm -rf $(VENV) *.egg-info
