#!/usr/bin/env bash
# Runs udp_echo_tun_demo and checks its transcript: the loopback step always,
# the TUN and TAP steps (kernel socket round trip, ARP, ping) when root.
set -euo pipefail
output="$("$1")"
echo "$output"
grep -q '^\[udp loopback\] kernel socket got "hello, UdpPort" back' <<<"$output"
if [[ "$(id -u)" == 0 ]]; then
  grep -q '^\[tun\] kernel socket got "hello over tun" back' <<<"$output"
  grep -q '^\[tap\] kernel socket got "hello over tap" back' <<<"$output"
  grep -q '^\[tap\] ping reply seq=1 from 198.51.100.2' <<<"$output"
fi
grep -q '^\[demo\] all steps succeeded' <<<"$output"
