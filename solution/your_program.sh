#!/usr/bin/env bash
#
# Starts your server. The tester runs this script; arguments such as
# --directory are passed straight through to your program.
set -e
cd "$(dirname "$0")"
exec python3 -u -m app.main "$@"
