# common.sh — shared by scripts/run, scripts/test and scripts/bench.
# Installs what is missing (Debian 12, as root or via sudo) and builds.

FAIRQ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

fq_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# fq_need_packages PKG... — apt-get installs the packages not yet installed.
fq_need_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "==> installing ${missing[*]}"
    fq_as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive fq_as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

FQ_BUILD_PACKAGES=(build-essential cmake pkg-config libwebsockets-dev libsqlite3-dev
  libconfig-dev libjansson-dev libssl-dev libqrencode-dev)
FQ_TEST_PACKAGES=(libcmocka-dev clang libclang-rt-14-dev chromium sqlite3)

# Node.js may come from Debian or be preinstalled from elsewhere (then the
# Debian npm package conflicts with it): only install it when missing.
fq_need_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    fq_need_packages nodejs npm
  fi
}

# fq_build DIR CMAKE-ARGS... — configure (once) and build into DIR.
fq_build() {
  local dir="$1"; shift
  cmake -S "$FAIRQ_ROOT" -B "$FAIRQ_ROOT/$dir" "$@" >/dev/null
  cmake --build "$FAIRQ_ROOT/$dir" -j"$(nproc)"
}

# fq_npm — installs the test tools of package.json when node_modules is stale.
fq_npm() {
  ( cd "$FAIRQ_ROOT"
    if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
      npm ci --no-audit --no-fund --loglevel=error
    fi )
}
