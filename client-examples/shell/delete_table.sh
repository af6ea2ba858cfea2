#!/usr/bin/env bash
# Delete table: the `gql` command line deletes the table and every reading in it (the
# tutorial's delete_table.py). Like the tutorial's script, it does not ask first.
set -euo pipefail
exec gql table delete --yes
