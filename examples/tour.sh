#!/usr/bin/env bash
# A five-minute tour of railyard on the sample repository (examples/acme).
#
#   examples/tour.sh [DIR]
#
# It builds a git repository in DIR (default: a new temporary folder) from examples/acme,
# each file committed by the person who would write it, then walks the December train a
# few steps as those people would: railyard reconciles, approvals are refused and given
# with `railyard approve --commit`, a turnover runs its automated tasks with
# `railyard reconcile --execute`, manual tasks are reported with `railyard report --commit`.
# Each step prints the command and what it said. The repository stays for you to look at
# (STATUS.md, status/, `git log`).
#
# The clock is fixed at each step (`--now`, and the commits' dates), so the tour prints the
# same thing on every machine, but for how long each task ran. Your own git configuration is not used: the people of the
# sample commit under their own names. RAILYARD names the binary to use; by default the
# tour builds it with `cargo build --release`.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
sample="$here/acme"
if [ -z "${RAILYARD:-}" ]; then
    cargo build --release --quiet --manifest-path "$here/../Cargo.toml"
    RAILYARD="$here/../target/release/railyard"
fi
dir=${1:-$(mktemp -d "${TMPDIR:-/tmp}/railyard-tour.XXXXXX")}
mkdir -p "$dir"
if [ -n "$(ls -A "$dir")" ]; then
    echo "tour: $dir is not empty; give an empty or new folder" >&2
    exit 2
fi
dir=$(cd "$dir" && pwd)

export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
unset EMAIL GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
output=$(mktemp)
trap 'rm -f "$output"' EXIT

# The sample's people, by member id: "Name <email>".
declare -A people=(
    [rita]="Rita Alvarez <rita.alvarez@acme.example>"
    [marco]="Marco Bellini <marco.bellini@acme.example>"
    [eve]="Eve Okafor <eve.okafor@acme.example>"
    [raj]="Raj Patel <raj.patel@acme.example>"
    [dan]="Dan Kowalski <dan.kowalski@acme.example>"
    [dora]="Dora Mensah <dora.mensah@acme.example>"
    [sol]="Sol Reyes <sol.reyes@acme.example>"
)

# as MEMBER AT COMMAND...: runs COMMAND as that person (their git identity) at AT.
as() {
    local who=${people[$1]} at=$2
    local name=${who% <*} email=${who#*<}
    email=${email%>}
    shift 2
    GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email GIT_AUTHOR_DATE=$at \
        GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email GIT_COMMITTER_DATE=$at "$@"
}

# commit MEMBER AT MESSAGE PATH...: copies PATHs from the sample and commits them as MEMBER.
commit() {
    local member=$1 at=$2 message=$3
    shift 3
    for path in "$@"; do
        mkdir -p "$dir/$(dirname "$path")"
        cp -R "$sample/$path" "$dir/$path"
    done
    git -C "$dir" add -- "$@"
    as "$member" "$at" git -C "$dir" commit -q -m "$message"
    echo "  ${member}: $message"
}

# step TEXT: a heading.
step() {
    printf '\n== %s\n' "$1"
}

# ry MEMBER AT ARGS...: `railyard ARGS --now AT` in the tour's repository as MEMBER,
# printed first, then what it said (its errors and warnings too). The sample sends
# notifications to a Slack webhook the tour does not have: those warnings are left out. A
# refusal is shown and the tour goes on.
ry() {
    local member=$1 at=$2
    shift 2
    local shown="" arg
    for arg in "$@"; do
        case $arg in
            *" "*) shown+=" '$arg'" ;;
            *) shown+=" $arg" ;;
        esac
    done
    printf '$ railyard%s   # as %s, at %s\n' "$shown" "$member" "$at"
    local code=0
    (cd "$dir" && as "${member}" "$at" "$RAILYARD" --color never "$@" --now "$at") \
        >"$output" 2>&1 || code=$?
    grep -v 'notification not delivered' "$output" || true
    if [ "$code" -ne 0 ]; then
        echo "(exit code $code)"
    fi
}

step "1. The repository: each file committed by the person who writes it"
git -C "$dir" init -q -b main
commit rita 2026-11-02T09:00:00Z "Settings, teams and workflows" \
    railyard.yaml teams workflows
commit rita 2026-11-02T09:30:00Z "The December train and its template" trains
commit eve 2026-11-02T10:00:00Z "Environments, holidays and deployment scripts" \
    environments calendars scripts
commit dan 2026-11-02T11:00:00Z "Application releases for December" \
    releases/api-3.1.yaml releases/db-schema-58.yaml releases/web-4.2.yaml
commit sol 2026-11-02T12:00:00Z "The payments gateway release record" \
    releases/payments-gateway.yaml releases/standard-release.yaml
commit raj 2026-11-03T09:00:00Z "Turnovers to dev, test, staging and production" turnovers
commit rita 2026-11-03T10:00:00Z "Halt staging: its refresh failed" \
    halts/2026-11-staging-refresh.yaml
commit marco 2026-11-03T15:00:00Z "Lift the staging halt" halts/2026-11-staging-refresh-lifted.yaml

step "2. railyard reconciles: every object gets its phase, and status is committed"
ry rita 2026-11-05T09:00:00Z reconcile
ry rita 2026-11-05T09:00:00Z status --kind ReleaseTrain

step "3. The train waits for its scope sign-off and the train approval"
ry rita 2026-11-05T09:30:00Z approve ReleaseTrain/2026-12 --criterion scope-signed-off --commit
ry marco 2026-11-05T10:00:00Z approve ReleaseTrain/2026-12 --criterion scope-signed-off \
    --comment "Scope agreed with the product owners." --commit
ry marco 2026-11-05T10:05:00Z approve ReleaseTrain/2026-12 --gate train --commit
ry rita 2026-11-05T11:00:00Z reconcile

step "4. The test turnover: accepted and started by a release engineer"
ry eve 2026-11-24T19:00:00Z status --waiting-for me
ry eve 2026-11-24T19:00:00Z approve Turnover/2026-12-test --gate acceptance --commit
ry eve 2026-11-24T19:10:00Z approve Turnover/2026-12-test --gate start --commit

step "5. railyard runs the automated tasks; the manual ones wait for their owners"
ry eve 2026-11-24T20:05:00Z reconcile --execute
ry dora 2026-11-24T20:20:00Z status --waiting-for me

step "6. The owners report their manual tasks"
ry dora 2026-11-24T20:30:00Z report Turnover/2026-12-test --task smoke-test \
    --outcome succeeded --note "Checkout and refunds work." --commit
ry eve 2026-11-24T20:40:00Z report Turnover/2026-12-test --task notify-qa \
    --outcome succeeded --commit
ry rita 2026-11-24T21:00:00Z reconcile
ry rita 2026-11-24T21:00:00Z status

step "7. Look around"
echo "the repository is $dir:"
echo "  its history, who did what:   git -C $dir log --format='%ad %an: %s' --date=short"
echo "  the status of every object:  $dir/STATUS.md and $dir/status/"
echo "  one object, explained:       $RAILYARD explain ReleaseTrain/2026-12 --repo $dir"
