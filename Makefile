# vfstock — the commands a newcomer needs. `make test` is what CI runs.

PHP      ?= php
PHPUNIT  ?= /usr/bin/phpunit
EXT      := $(CURDIR)/target/release/libvfstock.so
PHP_EXT  := $(PHP) -d extension=$(EXT) -d memory_limit=1G

.PHONY: setup build demo test test-rust test-php lint bench install clean

setup:
	@bash scripts/setup.sh

build: setup
	cargo build --release --workspace

demo: build
	$(PHP_EXT) demo/demo.php

lint: build
	cargo fmt --all -- --check
	cargo clippy --release --workspace --all-targets -- -D warnings
	cargo clippy --release --no-default-features --all-targets -- -D warnings
	@{ find php stubs tests bench demo -name '*.php' -print0; printf '%s\0' php/modules/addons/vfstock/bin/vfstock; } \
	  | xargs -0 -n1 -P2 $(PHP) -l >/dev/null && echo "php -l: clean"

test-rust: build
	cargo test --release --no-default-features
	cargo test --release -p vfsim

test-php: build
	$(PHP_EXT) $(PHPUNIT) -c tests/php/phpunit.xml

test: lint test-rust test-php

bench: build
	$(PHP_EXT) bench/capacity.php
	$(PHP_EXT) bench/refresh.php

install: build
	install -m 0755 $(EXT) "$$($(PHP)-config --extension-dir 2>/dev/null || php-config --extension-dir)/vfstock.so"
	@echo "Add 'extension=vfstock' to your php.ini (or conf.d) and restart PHP-FPM."

clean:
	cargo clean
