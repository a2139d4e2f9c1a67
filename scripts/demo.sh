#!/usr/bin/env bash
# `make demo`: start a local distribution registry on 127.0.0.1, build and push every
# example to it, list what landed, and leave the registry running.
# `scripts/demo.sh up` (make registry-up) only starts the registry, keeping what it holds,
# or leaves a running one be; `scripts/demo.sh down` or `stop` (make registry-down,
# make demo-stop) stops it. The port is $LAZYOCI_DEMO_PORT (default 5050).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PORT="${LAZYOCI_DEMO_PORT:-5050}"
HOST="127.0.0.1:$PORT"
# LAZYOCI_DEMO_DIR: where the registry's config, storage, pid and log live (tests move it).
DEMO_DIR="${LAZYOCI_DEMO_DIR:-$ROOT/.lazyoci-demo}"
PID_FILE="$DEMO_DIR/registry.pid"
LOG_FILE="$DEMO_DIR/registry.log"
CONFIG="$DEMO_DIR/config.yml"
STORAGE="$DEMO_DIR/storage"
CLI="$ROOT/dist/cli.js"
VERSION_TAG="v1.0.0"

say() { echo "demo: $*"; }
die() {
  echo "demo: error: $*" >&2
  exit 1
}

# True when PID is alive and is the docker-registry serving our demo config.
is_demo_registry() {
  local pid=$1 cmdline
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *docker-registry*"$CONFIG"* ]]
}

stop_registry() {
  [[ -f $PID_FILE ]] || return 0
  local pid
  pid=$(<"$PID_FILE")
  if is_demo_registry "$pid"; then
    kill "$pid"
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    say "stopped the demo registry (pid $pid)"
  fi
  rm -f "$PID_FILE"
}

MODE=demo
case "${1:-}" in
  stop | down)
    stop_registry
    exit 0
    ;;
  up) MODE=up ;;
  '') ;;
  *) die "usage: scripts/demo.sh [up|down|stop]" ;;
esac
[[ $# -le 1 ]] || die "usage: scripts/demo.sh [up|down|stop]"

command -v docker-registry >/dev/null 2>&1 ||
  die "docker-registry is not installed; run \`make registry-up\` or \`make demo\` (they run scripts/install-deps.sh)"
[[ $MODE == up || -f $CLI ]] || die "$CLI does not exist; run \`make demo\` (it builds first) or \`npm run build\`"
[[ $PORT =~ ^[0-9]+$ ]] || die "LAZYOCI_DEMO_PORT must be a port number, not '$PORT'"

if [[ $MODE == up && -f $PID_FILE ]] && is_demo_registry "$(<"$PID_FILE")"; then
  if grep -q "addr: $HOST\$" "$CONFIG" 2>/dev/null; then
    say "registry already running at http://$HOST (pid $(<"$PID_FILE")); stop it with \`make registry-down\`"
    exit 0
  fi
  die "a demo registry is already running on another port (pid $(<"$PID_FILE")); stop it first with \`make registry-down\`"
fi

# --- registry: a fresh one each demo, so the demo shows a full push; `up` keeps its storage ---
stop_registry
[[ $MODE == up ]] || rm -rf "$STORAGE"
mkdir -p "$STORAGE"
cat >"$CONFIG" <<YAML
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $STORAGE
  delete:
    enabled: true
http:
  addr: $HOST
  secret: lazyoci-demo-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
YAML
: >"$LOG_FILE"

# setsid detaches the registry from this shell's process group, so it outlives `make`.
if command -v setsid >/dev/null 2>&1; then
  setsid docker-registry serve "$CONFIG" </dev/null >>"$LOG_FILE" 2>&1 &
else
  nohup docker-registry serve "$CONFIG" </dev/null >>"$LOG_FILE" 2>&1 &
fi
echo $! >"$PID_FILE"
REGISTRY_PID=$(<"$PID_FILE")

# Ready when /v2/ answers as a distribution registry (not whatever else may hold the port).
probe() {
  node -e '
    const req = require("node:http").get(process.argv[1], { timeout: 1000 }, (res) => {
      res.resume();
      process.exit(res.statusCode === 200 && res.headers["docker-distribution-api-version"] ? 0 : 1);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => process.exit(1));
  ' "http://$HOST/v2/"
}
ready=0
for _ in $(seq 1 100); do
  if ! kill -0 "$REGISTRY_PID" 2>/dev/null; then
    rm -f "$PID_FILE"
    if grep -qi 'address already in use' "$LOG_FILE"; then
      die "port $PORT is already in use; free it or choose another with LAZYOCI_DEMO_PORT=NNNN make demo"
    fi
    die "docker-registry exited at start; its log ($LOG_FILE) ends with:"$'\n'"$(tail -n 20 "$LOG_FILE")"
  fi
  if probe; then
    ready=1
    break
  fi
  sleep 0.1
done
((ready)) || die "docker-registry did not answer on http://$HOST/v2/ within 10 s; see $LOG_FILE (stop it with \`make demo-stop\`)"
say "registry running at http://$HOST (pid $REGISTRY_PID, log $LOG_FILE)"
if [[ $MODE == up ]]; then
  say "push to it with e.g. LAZYOCI_REGISTRY=$HOST lazyoci build --tag v1.0.0; stop it with \`make registry-down\`"
  exit 0
fi

# --- build and push every example that has a .lazy file ---
shopt -s nullglob
results=()
for dir in examples/*/; do
  name=$(basename "$dir")
  args=(build "examples/$name")
  if [[ ! -f $dir.lazy ]]; then
    lazy_files=("$dir"*.lazy)
    ((${#lazy_files[@]} > 0)) || continue
    ((${#lazy_files[@]} == 1)) || die "examples/$name has several *.lazy files; the demo expects one"
    args+=(-f "$ROOT/${lazy_files[0]}")
  fi
  out="$DEMO_DIR/build-$name.json"
  say "building examples/$name -> $HOST"
  if ! LAZYOCI_REGISTRY="$HOST" node "$CLI" "${args[@]}" --tag "$VERSION_TAG" -o json >"$out"; then
    die "building examples/$name failed (output in $out); the registry is still running, stop it with \`make demo-stop\`"
  fi
  results+=("$out")
done

if ((${#results[@]} == 0)); then
  say "no examples/*/ directory has a .lazy file; nothing was pushed"
else
  # Summarise the pushes and collect the repositories on the demo registry.
  mapfile -t repos < <(node -e '
    const fs = require("node:fs");
    const host = process.argv[1];
    const repos = new Set();
    for (const file of process.argv.slice(2)) {
      for (const artifact of JSON.parse(fs.readFileSync(file, "utf8"))) {
        for (const t of artifact.targets) {
          const state = t.error ? `FAILED: ${t.error}` : t.pushed ? "pushed" : "not pushed";
          process.stderr.write(`  ${artifact.name ?? artifact.type}  ${t.reference}  ${t.digest ?? ""}  ${state}\n`);
          if (!t.reference.startsWith(host + "/")) continue;
          repos.add(t.reference.slice(host.length + 1).replace(/@.*$/, "").replace(/:[^/:]*$/, ""));
        }
      }
    }
    for (const r of [...repos].sort()) console.log(r);
  ' "$HOST" "${results[@]}")

  for repo in "${repos[@]}"; do
    say "tags of $HOST/$repo:"
    node "$CLI" browse tags "$HOST/$repo" || die "listing tags of $HOST/$repo failed"
  done
fi

echo
say "the registry keeps running at http://$HOST; stop it with \`make demo-stop\`"
