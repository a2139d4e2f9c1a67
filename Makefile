# lazyoci: `make demo` runs a local registry with every example pushed to it;
# `make test` runs the test suite against real registries. Both install what they need.

.PHONY: build deps test demo demo-stop registry-up registry-down clean

build: deps
	npm run build

deps:
	bash scripts/install-deps.sh

# vitest's own report goes to the terminal; the JSON copy feeds one plain closing line.
test: deps build
	npm run typecheck
	npx vitest run --reporter=default --reporter=json --outputFile.json=.vitest-results.json; \
	status=$$?; node scripts/test-summary.mjs .vitest-results.json || status=1; exit $$status

demo: deps build
	bash scripts/demo.sh

demo-stop:
	bash scripts/demo.sh stop

# The local registry alone (127.0.0.1:$$LAZYOCI_DEMO_PORT, default 5050), as the push
# guide starts it; what was pushed to it stays until `make clean`. `make demo` reuses it.
registry-up: deps
	bash scripts/demo.sh up

registry-down:
	bash scripts/demo.sh down

clean: demo-stop
	rm -rf dist .lazyoci-demo
