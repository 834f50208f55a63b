#!/usr/bin/env bash
# Installs what VoiceDesk needs to run and test locally. Idempotent and non-interactive:
# the first run builds livekit-server (~4 min with Go) and MinIO (~10 min) and runs `npm ci`;
# later runs take seconds.
#
#   bash scripts/setup.sh                 livekit-server v1.13.5 + MinIO + redis-server + ffmpeg
#                                         + node deps
#   bash scripts/setup.sh --with-browser  also Debian chromium (for browser tests)
#
# Env: VOICEDESK_CACHE (default ~/.cache/voicedesk), VOICEDESK_GO (default /usr/local/go/bin/go).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/paths.sh
source "$ROOT/scripts/lib/paths.sh"

WITH_BROWSER=0
for arg in "$@"; do
  case "$arg" in
    --with-browser) WITH_BROWSER=1 ;;
    -h | --help)
      sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "setup: unknown argument '$arg' (try --help)" >&2
      exit 2
      ;;
  esac
done

mkdir -p "$CACHE/bin" "$CACHE/locks"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# step_done <step> <what it did> <start_ms>
step_done() {
  local ms=$(($(now_ms) - $3))
  printf 'setup: %-15s %-62s %d.%03ds\n' "$1" "$2" $((ms / 1000)) $((ms % 1000))
}
die() {
  echo "setup: ERROR: $*" >&2
  exit 1
}

# apt_install <package>: installs one Debian package as root (or through sudo -n), one apt run
# at a time across concurrent setups. The caller checks first whether it is already there.
apt_install() {
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "$1 is missing and installing it needs root (apt-get)"
    sudo=(sudo -n)
  fi
  exec 8>"$CACHE/locks/apt.lock"
  flock -w 1800 8 || die "timed out waiting for $CACHE/locks/apt.lock"
  if ! dpkg -s "$1" >/dev/null 2>&1; then
    "${sudo[@]}" apt-get update -q </dev/null
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$1" </dev/null
  fi
  exec 8>&-
}

# True when the binary at $1 runs and reports the pinned version.
livekit_ok() {
  [[ -x "$1" ]] && "$1" --version 2>/dev/null | grep -q "version $LIVEKIT_VERSION\$"
}

# ---------------------------------------------------------------------------------------------
# 1. livekit-server, pinned, built once into the cache (outside the repo).
# ---------------------------------------------------------------------------------------------
setup_livekit() {
  local t0 what
  t0=$(now_ms)
  if livekit_ok "$LIVEKIT_VERSIONED_BIN" && [[ "$(readlink "$LIVEKIT_BIN" 2>/dev/null)" == "livekit-server-v$LIVEKIT_VERSION" ]]; then
    step_done livekit-server "cached v$LIVEKIT_VERSION at $LIVEKIT_BIN" "$t0"
    return
  fi

  # Serialise concurrent runs (two `npm test` at once must not build twice).
  exec 9>"$CACHE/locks/livekit.lock"
  flock -w 1800 9 || die "timed out waiting for $CACHE/locks/livekit.lock"

  local gopath="$CACHE/go"
  local built="$gopath/bin/server"
  if livekit_ok "$LIVEKIT_VERSIONED_BIN"; then
    what="cached v$LIVEKIT_VERSION (built by a concurrent run)"
  elif livekit_ok "$built"; then
    what="copied v$LIVEKIT_VERSION from $built"
  else
    [[ -x "$GO_BIN" ]] || die "livekit-server v$LIVEKIT_VERSION is not in $CACHE/bin and Go is missing at $GO_BIN.
  Install Go (https://go.dev/dl/) to /usr/local/go, or set VOICEDESK_GO=/path/to/go, or put a
  livekit-server v$LIVEKIT_VERSION binary at $LIVEKIT_VERSIONED_BIN, then run this script again."
    echo "setup: building livekit-server v$LIVEKIT_VERSION with $GO_BIN (about 4 minutes, once)..."
    GOPATH="$gopath" GOFLAGS=-modcacherw "$GO_BIN" install \
      "github.com/livekit/livekit-server/cmd/server@v$LIVEKIT_VERSION" ||
      die "go install github.com/livekit/livekit-server/cmd/server@v$LIVEKIT_VERSION failed"
    livekit_ok "$built" || die "$built was built but does not report version $LIVEKIT_VERSION"
    what="built v$LIVEKIT_VERSION with Go into $CACHE"
  fi

  if ! livekit_ok "$LIVEKIT_VERSIONED_BIN"; then
    cp "$built" "$LIVEKIT_VERSIONED_BIN.tmp.$$"
    chmod 0755 "$LIVEKIT_VERSIONED_BIN.tmp.$$"
    mv -f "$LIVEKIT_VERSIONED_BIN.tmp.$$" "$LIVEKIT_VERSIONED_BIN"
  fi
  ln -sfn "livekit-server-v$LIVEKIT_VERSION" "$LIVEKIT_BIN"
  livekit_ok "$LIVEKIT_BIN" || die "$LIVEKIT_BIN --version does not mention $LIVEKIT_VERSION"
  exec 9>&-
  step_done livekit-server "$what" "$t0"
}

# ---------------------------------------------------------------------------------------------
# 2. MinIO, pinned, built once into the cache: the real S3 server of the integration tests.
#    A test-time tool (AGPL), never shipped. A `go install` build reports its version as
#    DEVELOPMENT.GOGET, so the pin is checked in the Go build info (`go version -m`) of the fresh
#    build and kept in the cached file's name.
# ---------------------------------------------------------------------------------------------
minio_runs() {
  [[ -x "$1" ]] && "$1" --version >/dev/null 2>&1
}
minio_built_ok() {
  minio_runs "$1" && "$GO_BIN" version -m "$1" 2>/dev/null |
    grep -Eq "^[[:space:]]+mod[[:space:]]+github.com/minio/minio[[:space:]]+$MINIO_VERSION([[:space:]]|\$)"
}

setup_minio() {
  local t0 what
  t0=$(now_ms)
  if minio_runs "$MINIO_VERSIONED_BIN" && [[ "$(readlink "$MINIO_BIN" 2>/dev/null)" == "minio-$MINIO_VERSION" ]]; then
    step_done minio "cached $MINIO_VERSION at $MINIO_BIN" "$t0"
    return
  fi

  exec 9>"$CACHE/locks/minio.lock"
  flock -w 1800 9 || die "timed out waiting for $CACHE/locks/minio.lock"

  local gopath="$CACHE/go"
  local built="$gopath/bin/minio"
  if minio_runs "$MINIO_VERSIONED_BIN"; then
    what="cached $MINIO_VERSION (built by a concurrent run)"
  elif [[ -x "$GO_BIN" ]] && minio_built_ok "$built"; then
    what="copied $MINIO_VERSION from $built"
  else
    [[ -x "$GO_BIN" ]] || die "MinIO $MINIO_VERSION is not in $CACHE/bin and Go is missing at $GO_BIN.
  Install Go (https://go.dev/dl/) to /usr/local/go, or set VOICEDESK_GO=/path/to/go, or put a
  MinIO binary built from github.com/minio/minio@$MINIO_VERSION at $MINIO_VERSIONED_BIN, then run
  this script again."
    echo "setup: building MinIO $MINIO_VERSION with $GO_BIN (about 10 minutes, once)..."
    GOPATH="$gopath" GOFLAGS=-modcacherw "$GO_BIN" install "github.com/minio/minio@$MINIO_VERSION" ||
      die "go install github.com/minio/minio@$MINIO_VERSION failed"
    minio_built_ok "$built" || die "$built was built but its build info does not name $MINIO_VERSION"
    what="built $MINIO_VERSION with Go into $CACHE"
  fi

  if ! minio_runs "$MINIO_VERSIONED_BIN"; then
    cp "$built" "$MINIO_VERSIONED_BIN.tmp.$$"
    chmod 0755 "$MINIO_VERSIONED_BIN.tmp.$$"
    mv -f "$MINIO_VERSIONED_BIN.tmp.$$" "$MINIO_VERSIONED_BIN"
  fi
  ln -sfn "minio-$MINIO_VERSION" "$MINIO_BIN"
  minio_runs "$MINIO_BIN" || die "$MINIO_BIN --version fails"
  exec 9>&-
  step_done minio "$what" "$t0"
}

# ---------------------------------------------------------------------------------------------
# 3. redis-server (Debian), always: the LiveKit cluster tests run two nodes on a throwaway Redis.
# ---------------------------------------------------------------------------------------------
setup_redis() {
  local t0
  t0=$(now_ms)
  if command -v redis-server >/dev/null 2>&1; then
    step_done redis-server "already installed ($(redis-server --version | grep -o 'v=[^ ]*'))" "$t0"
    return
  fi
  apt_install redis-server
  command -v redis-server >/dev/null 2>&1 || die "redis-server did not install"
  step_done redis-server "installed $(dpkg-query -W -f='${Version}' redis-server)" "$t0"
}

# ---------------------------------------------------------------------------------------------
# 4. ffmpeg (Debian), always: the recording tests decode what was stored with ffmpeg/ffprobe.
# ---------------------------------------------------------------------------------------------
setup_ffmpeg() {
  local t0
  t0=$(now_ms)
  if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; then
    step_done ffmpeg "already installed ($(ffmpeg -version | head -n1 | cut -d' ' -f3))" "$t0"
    return
  fi
  apt_install ffmpeg
  command -v ffprobe >/dev/null 2>&1 || die "ffmpeg did not install"
  step_done ffmpeg "installed $(dpkg-query -W -f='${Version}' ffmpeg)" "$t0"
}

# ---------------------------------------------------------------------------------------------
# 5. Chromium for browser tests (opt-in).
# ---------------------------------------------------------------------------------------------
setup_browser() {
  local t0
  t0=$(now_ms)
  if [[ "$WITH_BROWSER" != 1 ]]; then
    step_done chromium "skipped (pass --with-browser to install it)" "$t0"
    return
  fi
  if dpkg -s chromium >/dev/null 2>&1; then
    step_done chromium "already installed ($(dpkg-query -W -f='${Version}' chromium))" "$t0"
    return
  fi
  apt_install chromium
  dpkg -s chromium >/dev/null 2>&1 || die "chromium did not install"
  step_done chromium "installed $(dpkg-query -W -f='${Version}' chromium)" "$t0"
}

# ---------------------------------------------------------------------------------------------
# 6. Node dependencies: `npm ci` only when package-lock.json changed since the last install.
# ---------------------------------------------------------------------------------------------
setup_node() {
  local t0 want have stamp="$ROOT/node_modules/.voicedesk-stamp"
  t0=$(now_ms)
  command -v npm >/dev/null 2>&1 || die "npm is missing; install Node 20 (>= 20.19)"
  want="$(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)"
  have="$(cat "$stamp" 2>/dev/null || true)"
  if [[ -d "$ROOT/node_modules" && "$have" == "$want" ]]; then
    step_done node-deps "up to date (package-lock.json unchanged)" "$t0"
    return
  fi
  # One npm ci per checkout at a time.
  local lock
  lock="$CACHE/locks/npm-$(printf '%s' "$ROOT" | sha256sum | cut -c1-16).lock"
  exec 7>"$lock"
  flock -w 1800 7 || die "timed out waiting for $lock"
  have="$(cat "$stamp" 2>/dev/null || true)"
  if [[ -d "$ROOT/node_modules" && "$have" == "$want" ]]; then
    exec 7>&-
    step_done node-deps "up to date (installed by a concurrent run)" "$t0"
    return
  fi
  (cd "$ROOT" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund </dev/null) || die "npm ci failed"
  printf '%s\n' "$want" >"$stamp"
  exec 7>&-
  step_done node-deps "npm ci (package-lock.json changed or node_modules missing)" "$t0"
}

T_ALL=$(now_ms)
setup_livekit
setup_minio
setup_redis
setup_ffmpeg
setup_browser
setup_node
step_done total "done" "$T_ALL"
