#!/usr/bin/env bash
# Debian's promtool for the alert-rule tests (tests/unit/deploy/). Installs the
# `prometheus` package with apt-get when /usr/bin/promtool is missing; fails, never skips,
# when it cannot. Only promtool is used: the package's server is never started here.
set -euo pipefail

PROMTOOL=/usr/bin/promtool
LOG="${TMPDIR:-/tmp}/promtool-apt.log"

log() { printf 'promtool: %s\n' "$*" >&2; }
die() {
    printf 'promtool: ERROR: %s\n' "$*" >&2
    exit 1
}

if [[ ! -x $PROMTOOL ]]; then
    [[ $EUID -eq 0 ]] || die "$PROMTOOL is missing and this is not root; install Debian's prometheus package and retry"
    command -v apt-get >/dev/null || die "$PROMTOOL is missing and apt-get is not available"
    log "apt-get update"
    apt-get update -qq >"$LOG" 2>&1 || {
        cat "$LOG" >&2
        die "apt-get update failed"
    }
    log "installing prometheus (for promtool)"
    # policy-rc.d 101: the package's postinst must not start a Prometheus server here.
    policy=/usr/sbin/policy-rc.d
    added_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod +x "$policy"
        added_policy=1
    fi
    status=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus \
        >>"$LOG" 2>&1 || status=$?
    if [[ $added_policy -eq 1 ]]; then rm -f "$policy"; fi
    if [[ $status -ne 0 ]]; then
        tail -n 40 "$LOG" >&2
        die "apt-get install prometheus failed"
    fi
    [[ -x $PROMTOOL ]] || die "the prometheus package did not provide $PROMTOOL"
fi

version="$("$PROMTOOL" --version 2>&1 | head -n 1)" || die "$PROMTOOL does not run"
log "$version"
