# vfstock — the commands a newcomer needs. `make test` is what CI runs.

PHP      ?= php
PHPUNIT  ?= /usr/bin/phpunit
EXT      := $(CURDIR)/target/release/libvfstock.so
PHP_EXT  := $(PHP) -d extension=$(EXT) -d memory_limit=1G

# `make ext`, `make install` and `make uninstall` work on the PHP that
# PHP_CONFIG names (default: php-config). Given PHP=php8.3 instead, they use
# the php-config beside that PHP, and refuse a PHP_CONFIG of another version.
# They honour DESTDIR, install no packages and never run `make setup`.
PHP_GIVEN := $(if $(filter command line environment override,$(origin PHP)),$(PHP))
INSTALL  := PHP_GIVEN='$(PHP_GIVEN)' PHP_CONFIG='$(PHP_CONFIG)' DESTDIR='$(DESTDIR)' bash scripts/install.sh

.PHONY: setup build demo test test-rust test-php lint bench ext install uninstall \
        php84-root test-install test-php84 dist test-dist clean

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
	@bash -n scripts/*.sh tests/checks.sh tests/install/run.sh tests/php84/run.sh tests/dist/run.sh && echo "bash -n: clean"

test-rust: build
	cargo test --release --no-default-features
	cargo test --release -p vfsim

test-php: build
	$(PHP_EXT) $(PHPUNIT) -c tests/php/phpunit.xml

# Install into DESTDIRs for two PHPs (this machine's and Debian 13's 8.4), the
# refusals, and uninstall.
test-install: build php84-root
	@bash tests/install/run.sh

# The extension's suites on Debian 13's PHP 8.4, in a Debian 13 root.
test-php84: build php84-root
	@bash tests/php84/run.sh

# The release files: names, checksums, glibc 2.17, each .so loaded by its PHP.
test-dist: build dist
	@bash tests/dist/run.sh

test: lint test-rust test-php test-install test-php84 test-dist

bench: build
	$(PHP_EXT) bench/capacity.php
	$(PHP_EXT) bench/refresh.php

ext:
	@$(INSTALL) ext

install:
	@$(INSTALL) install

uninstall:
	@$(INSTALL) uninstall

php84-root: setup
	@bash scripts/php84-root.sh ensure

dist: setup
	@DIST_PHP_CONFIGS='$(DIST_PHP_CONFIGS)' bash scripts/dist.sh

clean:
	cargo clean
	rm -rf dist
