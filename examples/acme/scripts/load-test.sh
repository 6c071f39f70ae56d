#!/bin/sh
# A stand-in for the real load-test step, so that `railyard reconcile --execute` (and
# `railyard tour`) can run the sample's automated tasks: it says what it would do.
echo "load-test: $*"
