GO ?= go
PKGS := ./...
# The race detector needs cgo, hence a C compiler; without one the tests still run.
RACE := $(shell command -v gcc >/dev/null 2>&1 && echo -race)

.PHONY: test vet fmt-check build emulator

## test: format check, vet, and every test (the command CI runs)
test: fmt-check vet
	$(GO) test $(RACE) -count=1 -timeout 20m $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l cmd internal); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

build:
	$(GO) build -trimpath -o bin/ ./cmd/...

## emulator: run the local emulator of Entra ID and the PAT API
emulator:
	$(GO) run ./cmd/patctl-emulator
