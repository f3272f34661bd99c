#!/usr/bin/env bash
# The retrieval benchmark of BENCHMARKS.md ("Retrieval"), in one command:
#
#   bench/retrieval/run.sh [--corpora humaneval-grouped,humaneval-single,clap_builder] [--cache DIR]
#
# Builds the bench with the command-line tool's profile (`tool`: optimised, no LTO, so the
# model runs at the tool's speed and the build shares the tool's artefacts), fetches the
# corpora's sources from PyPI and crates.io once (pinned by SHA-256, into
# target/retrieval/downloads) and the model's weights if they are not cached yet, and prints
# the tables (also written to target/retrieval/report.md; per question in results.json).
# About 2.5 minutes on two quiet cores once built, most of it the model embedding 3,275 chunks.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
exec cargo bench --profile tool -p index-sync-retrieval --bench retrieval --quiet -- "$@"
