#!/usr/bin/env bash
# Create table: the `gql` command line creates the Devices table (the tutorial's
# create_table.py) and waits until it is ACTIVE. GraphQL reads and writes readings; tables
# are managed with the CLI, which talks to DynamoDB directly: set AWS_ENDPOINT_URL_DYNAMODB
# (e.g. http://localhost:8000 for DynamoDB Local) or GQL_BACKEND=aws, and GQL_TABLE if the
# table is not called Devices.
set -euo pipefail
exec gql table create --wait "$@"
