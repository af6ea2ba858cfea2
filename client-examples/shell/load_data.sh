#!/usr/bin/env bash
# Load sample data: the `gql` command line writes the tutorial's data.json into the table
# (the tutorial's load_data.py), 25 readings per BatchWriteItem request.
#
#   load_data.sh [FILE]    # default: the project's copy of data.json, gql/data/sample.json
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
exec gql load "${1:-$repo/gql/data/sample.json}"
