#!/usr/bin/env bash
# Makes `docker compose` available without a Docker engine (only the client is needed to validate the compose file).
# Machines that can reach GitHub get the plugin from Docker's packages; here it is built from source through the Go
# module proxy (about 5 minutes once, then cached in ~/.docker/cli-plugins).
set -euo pipefail
VERSION="${COMPOSE_VERSION:-v2.40.3}"
if docker compose version >/dev/null 2>&1; then
  exit 0
fi
command -v docker >/dev/null 2>&1 || { echo "ops: no docker client; compose validation will be skipped" >&2; exit 0; }
command -v go >/dev/null 2>&1 || { echo "ops: no Go toolchain to build docker compose; compose validation will be skipped" >&2; exit 0; }
echo "ops: building docker compose $VERSION from source (once)" >&2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
src="$(go mod download -json "github.com/docker/compose/v2@$VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
cp -r "$src" "$work/compose" && chmod -R u+w "$work/compose"
mkdir -p "$HOME/.docker/cli-plugins"
(cd "$work/compose" && go build -trimpath \
  -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$VERSION" \
  -o "$HOME/.docker/cli-plugins/docker-compose" ./cmd)
docker compose version
