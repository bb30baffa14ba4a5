#!/usr/bin/env bash
# Debian's Chromium for the GraphiQL browser test (tests/e2e/browser/). Installs the
# `chromium` package with apt-get when /usr/bin/chromium is missing; fails, never skips,
# when it cannot. Playwright drives this binary; its own browser download is not used.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
LOG="${TMPDIR:-/tmp}/browser-apt.log"

log() { printf 'browser: %s\n' "$*" >&2; }
die() {
    printf 'browser: ERROR: %s\n' "$*" >&2
    exit 1
}

if [[ ! -x $CHROMIUM ]]; then
    [[ $EUID -eq 0 ]] || die "$CHROMIUM is missing and this is not root; install Debian's chromium package and retry"
    command -v apt-get >/dev/null || die "$CHROMIUM is missing and apt-get is not available"
    log "apt-get update"
    apt-get update -qq >"$LOG" 2>&1 || {
        cat "$LOG" >&2
        die "apt-get update failed"
    }
    log "installing chromium"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium \
        >>"$LOG" 2>&1 || {
        tail -n 40 "$LOG" >&2
        die "apt-get install chromium failed"
    }
    [[ -x $CHROMIUM ]] || die "the chromium package did not provide $CHROMIUM"
fi

# Debian's wrapper script may print a harmless shell warning to stderr before the version.
version="$("$CHROMIUM" --version 2>/dev/null)" || die "$CHROMIUM does not run"
log "$version"
