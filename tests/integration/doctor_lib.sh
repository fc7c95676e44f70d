# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# What the `mqtls doctor` tests share (sourced after lib.sh; not a test itself:
# ctest runs only test_*.sh).
#
#   doctor_expect WHAT ID STATUS ARGS...
#       run `mqtls doctor ARGS --json`, then the same without --json. The JSON
#       must parse, name cause ID (or be null when ID is "null"), carry the
#       catalogue's fix for it, and the exit status must be STATUS. The human
#       output must name the cause as "[ID]" on its Cause: line and print a
#       Fix: line. JSON in $D/WHAT.json, human text in $D/WHAT.txt.
#   doctor_hint WHAT TEXT       the cause's hint (this run's findings) contains TEXT
#   doctor_step WHAT NAME STATUS [TEXT]
#       the step NAME has STATUS (pass/fail/warn/skip) and its detail contains TEXT
#   doctor_sl WHAT CODE NAME    the "simplelink" object says CODE and NAME
#   doctor_all_pass WHAT        every step of a TLS run is there and passed

doctor_expect() {
    local what=$1 id=$2 want=$3 got=0
    shift 3
    "$MQTLS" doctor "$@" --json >"$D/$what.json" 2>"$D/$what.err" || got=$?
    [[ $got == "$want" ]] || fail "$what: exit status $got, expected $want: $(cat "$D/$what.json" "$D/$what.err")"
    jq -e . "$D/$what.json" >/dev/null 2>&1 || fail "$what: the output is not JSON: $(cat "$D/$what.json")"
    local got_id
    got_id=$(jq -r 'if .cause == null then "null" else .cause.id end' "$D/$what.json")
    assert_eq "$what: cause id" "$id" "$got_id"
    if [[ $id == null ]]; then
        assert_eq "$what: ok" "true" "$(jq -r .ok "$D/$what.json")"
    else
        assert_eq "$what: ok" "false" "$(jq -r .ok "$D/$what.json")"
        local fix title
        fix=$(jq -r .cause.fix "$D/$what.json")
        title=$(jq -r .cause.title "$D/$what.json")
        [[ ${#fix} -gt 20 ]] || fail "$what: the fix is missing or too short: '$fix'"
        [[ ${#title} -gt 10 ]] || fail "$what: the title is missing: '$title'"
    fi
    got=0
    NO_COLOR=1 "$MQTLS" doctor "$@" >"$D/$what.txt" 2>"$D/$what.err" || got=$?
    [[ $got == "$want" ]] || fail "$what (human): exit status $got, expected $want"
    if [[ $id != null ]]; then
        grep -q "^Cause: .* \[$id\]\$" "$D/$what.txt" || fail "$what: no 'Cause: ... [$id]' line in: $(cat "$D/$what.txt")"
        grep -qF "Fix: $(jq -r .cause.fix "$D/$what.json")" "$D/$what.txt" ||
            fail "$what: the catalogue's fix is not printed: $(cat "$D/$what.txt")"
    else
        assert_contains "$what: all good" "Everything works." "$D/$what.txt"
    fi
    if [[ ${MQTLS_TEST_VERBOSE:-0} == 1 ]]; then cat "$D/$what.txt"; fi
}

doctor_hint() {
    local hint
    hint=$(jq -r '.cause.hint // ""' "$D/$1.json")
    [[ $hint == *"$2"* ]] || fail "$1: the hint does not say '$2': '$hint'"
}

doctor_step() {
    local what=$1 name=$2 status=$3 text=${4:-} got detail
    got=$(jq -r --arg n "$name" '[.steps[] | select(.name == $n)][0].status // "absent"' "$D/$what.json")
    assert_eq "$what: step $name" "$status" "$got"
    if [[ -n $text ]]; then
        detail=$(jq -r --arg n "$name" '[.steps[] | select(.name == $n)][0].detail' "$D/$what.json")
        [[ $detail == *"$text"* ]] || fail "$what: step $name does not say '$text': '$detail'"
    fi
}

doctor_sl() {
    assert_eq "$1: SimpleLink code" "$2" "$(jq -r '.simplelink.code // "none"' "$D/$1.json")"
    assert_eq "$1: SimpleLink name" "$3" "$(jq -r '.simplelink.name // "none"' "$D/$1.json")"
}

# doctor_all_pass WHAT: every step passed and the ones a TLS run has are all there.
doctor_all_pass() {
    local what=$1 s
    assert_eq "$what: no step other than pass" "" "$(jq -r '.steps[] | select(.status != "pass") | .name' "$D/$what.json")"
    for s in resolve tcp files tls chain ca hostname validity client-cert mqtt roundtrip; do
        doctor_step "$what" "$s" pass
    done
}
