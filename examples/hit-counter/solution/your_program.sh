#!/usr/bin/env bash
#
# Starts your server. The tester runs this script from this folder.
set -e
cd "$(dirname "$0")"
exec python3 -u server.py "$@"
