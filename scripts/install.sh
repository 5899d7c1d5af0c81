#!/usr/bin/env bash
# Install aistack from a checkout of this repository: check Node.js, install the locked
# dependencies, build, and run aistackd as a service of this machine (a systemd user
# unit on Linux, a launchd agent on macOS). Nothing is downloaded except by npm.
#
#   scripts/install.sh                         service for you
#   scripts/install.sh --dry-run               show the unit and commands, change nothing
#   scripts/install.sh --system --user alice   system service for alice (asks for sudo)
#
# Every argument goes to `aistack service install`.
set -euo pipefail

die() {
  printf 'install.sh: %s\n' "$*" >&2
  exit 1
}

for arg in "$@"; do
  case "$arg" in
    -h | --help)
      sed -n '2,10s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

command -v node >/dev/null 2>&1 || die "node is not on PATH; install Node.js 20 or newer"
command -v npm >/dev/null 2>&1 || die "npm is not on PATH; it comes with Node.js"
major="$(node -p 'process.versions.node.split(".")[0]')"
[[ "$major" =~ ^[0-9]+$ ]] || die "cannot tell the Node.js version (got: $major)"
((major >= 20)) || die "Node.js 20 or newer is needed; this is $(node --version)"

# Exactly the versions in package-lock.json. (npm ci also builds through the `prepare`
# script; the explicit build below keeps this script right if that ever changes.)
npm ci
npm run build

system=no
dry_run=no
for arg in "$@"; do
  case "$arg" in
    --system) system=yes ;;
    --dry-run) dry_run=yes ;;
  esac
done

cli=("$(command -v node)" "$root/dist/bin/aistack.js" service install)
if [[ "$system" == yes && "$dry_run" == no && "$(id -u)" -ne 0 ]]; then
  # Only this step needs root: it writes /etc/systemd/system and runs systemctl.
  exec sudo -- "${cli[@]}" "$@"
fi
exec "${cli[@]}" "$@"
