SHELL := bash
GO ?= go
PKGS := ./...
# The race detector needs cgo, hence a C compiler; without one the tests still run.
RACE := $(shell command -v gcc >/dev/null 2>&1 && echo -race)

.PHONY: test test-secret-service vet fmt-check build emulator docs demo release-check ci-templates fuzz reliability bench bench-startup

## test: format check, vet, and every test (the command CI runs)
test: fmt-check vet
	$(GO) test $(RACE) -count=1 -timeout 20m $(PKGS)
	@$(MAKE) --no-print-directory test-secret-service

## test-secret-service: sign in with a real Secret Service (GNOME Keyring over a private D-Bus)
test-secret-service:
	@if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then \
		scripts/with-secret-service.sh env PATCTL_TEST_SECRET_SERVICE=1 \
			$(GO) test -count=1 -run TestRealSecretService ./cmd/patctl/ 2>&1 | grep -v 'Failed to set fd limit'; \
		exit $${PIPESTATUS[0]}; \
	elif [ "$$CI" = "true" ]; then \
		echo "test-secret-service: CI must run it: install dbus and gnome-keyring"; exit 1; \
	else \
		echo "test-secret-service: skipped (apt-get install dbus gnome-keyring to run it)"; \
	fi

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l cmd internal); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

build:
	$(GO) build -trimpath -o bin/ ./cmd/patctl ./cmd/patctl-emulator

## demo: patctl from sign-in to revoke against the built-in emulator
demo:
	scripts/demo.sh

GORELEASER_VERSION := v2.15.0
CYCLONEDX_GOMOD_VERSION := v1.10.0
GOBIN_DIR := $(shell $(GO) env GOPATH)/bin
GORELEASER := $(GOBIN_DIR)/goreleaser

## release-check: validate .goreleaser.yaml, build a snapshot release (offline) and check every artifact,
## the GitHub Action and the Azure Pipelines template against the emulator
release-check:
	@$(GORELEASER) --version 2>/dev/null | grep -q 'GitVersion: *$(GORELEASER_VERSION)$$' || \
		{ echo "installing goreleaser $(GORELEASER_VERSION)"; $(GO) install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION); }
	@$(GOBIN_DIR)/cyclonedx-gomod version 2>/dev/null | grep -q 'Version: *$(CYCLONEDX_GOMOD_VERSION)$$' || \
		{ echo "installing cyclonedx-gomod $(CYCLONEDX_GOMOD_VERSION)"; $(GO) install github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@$(CYCLONEDX_GOMOD_VERSION); }
	$(GORELEASER) check
	@# The container image needs docker buildx and a running engine; without them it is
	@# not built, and scripts/check-release.sh checks its Dockerfile against the context.
	@if docker buildx version >/dev/null 2>&1 && docker info >/dev/null 2>&1; then skip=publish; \
	else skip=publish,docker; echo "release-check: no docker buildx with a running engine here: the container image is not built"; fi; \
	echo "PATH=$(GOBIN_DIR):\$$PATH $(GORELEASER) release --snapshot --clean --skip=$$skip"; \
	PATH="$(GOBIN_DIR):$$PATH" $(GORELEASER) release --snapshot --clean --skip=$$skip
	scripts/check-release.sh dist
	scripts/sync-ci-templates.sh --check
	scripts/check-ci-integrations.sh dist

## ci-templates: copy scripts/install-patctl.sh into the Azure Pipelines template
ci-templates:
	scripts/sync-ci-templates.sh

FUZZTIME ?= 10s
FUZZ_TARGETS := FuzzParseExpires:./internal/cmdutil FuzzParseScopes:./internal/cmdutil \
	FuzzDecodeAnswers:./internal/patapi FuzzCacheDecoding:./internal/credstore

## fuzz: run every fuzz target for FUZZTIME (default 10s; a count such as 50000x also works)
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t%%:*} ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$${t%%:*}$$" -fuzztime $(FUZZTIME) $${t#*:} || exit 1; \
	done

## bench: measure start-up, rotate, list and refresh against the emulator; writes docs/performance.md
bench:
	$(GO) run ./internal/tools/bench -o docs/performance.md

## bench-startup: measure start-up alone; updates its section and targets in docs/performance.md
bench-startup:
	$(GO) run ./internal/tools/bench -only startup -w -o docs/performance.md

## reliability: fault matrix, stall matrix, bad-input corpus, fuzzing, parallel jobs; writes docs/reliability.md
reliability:
	scripts/reliability.sh

## docs: regenerate the command reference in docs/commands from the command tree
docs:
	rm -rf docs/commands
	$(GO) run ./cmd/gen-docs --markdown docs/commands

## emulator: run the local emulator of Entra ID and the PAT API
emulator:
	$(GO) run ./cmd/patctl-emulator
