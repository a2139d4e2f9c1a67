#!/usr/bin/env bash
# Installs what lazyoci's build, tests and demo need on a bare Debian machine.
# Idempotent: when everything is present it only checks.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { echo "install-deps: $*"; }
die() { echo "install-deps: error: $*" >&2; exit 1; }

# --- Node.js (not installed here: Debian 12 ships Node 18, lazyoci needs 20.18+) ---
command -v node >/dev/null 2>&1 ||
  die "Node.js is not installed; lazyoci needs Node >= 20.18 (e.g. from https://nodejs.org or NodeSource)"
node -e '
  const [major, minor] = process.versions.node.split(".").map(Number);
  process.exit(major > 20 || (major === 20 && minor >= 18) ? 0 : 1);
' || die "Node.js $(node -v) is too old; lazyoci needs Node >= 20.18"
command -v npm >/dev/null 2>&1 || die "npm is not installed (it comes with Node.js >= 20.18)"

# --- Debian packages: the registry and oracle the tests use, openssl, git, buildah
# (builds `image` artifacts without a Docker daemon), tmux (drives the interactive browser
# in its end-to-end tests) and zstd (zstd layers). Each tool's package has its name. ---
missing=()
for tool in docker-registry skopeo openssl git buildah tmux zstd; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]} > 0)); then
  say "missing: ${missing[*]}; installing Debian packages"
  command -v apt-get >/dev/null 2>&1 ||
    die "apt-get not found; install ${missing[*]} by hand (docker-registry is distribution 2.8)"
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "not root and sudo is not installed; run this script as root"
    sudo=(sudo)
  fi
  # skopeo and buildah Depend (not Recommend) on golang-github-containers-common, which
  # ships /etc/containers/policy.json, so --no-install-recommends leaves them working.
  # buildah's recommended runc/crun are not needed: lazyoci builds with --isolation chroot.
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    "${missing[@]}" ca-certificates
  for tool in "${missing[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is still missing after apt-get install"
  done
fi
say "tools: node $(node -v), $(docker-registry --version | awk '{print $1, $3}'), $(skopeo --version), $(buildah --version)"

# --- npm packages ---
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing npm packages (npm install, versions pinned by package-lock.json)"
  # Not `npm ci`: the npm registry this project's machines reach lacks some of rollup's
  # optional per-platform packages, so the lockfile cannot list them and `npm ci`
  # refuses it as out of sync. `npm install` keeps the locked versions and skips them.
  npm install --no-audit --no-fund
else
  say "npm packages are up to date"
fi
