#!/bin/sh
# Runs supervisor_demo and checks its transcript ends in success.
set -eu
out=$("$1")
echo "$out"
echo "$out" | grep -qx '\[flaky\] exited with code 0; done'
echo "$out" | grep -qx 'supervisor succeeded after 2 restarts'
