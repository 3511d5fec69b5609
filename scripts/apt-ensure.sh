# Sourced by the ensure-*.sh scripts that install Debian packages: the caller
# sets PACKAGES and defines `missing` (prints what is lacking, empty when
# nothing is), then runs `apt_ensure LABEL WHAT`.
#
# - nothing missing: prints "LABEL: WHAT installed", returns.
# - something missing and root: `apt-get update` and
#   `DEBIAN_FRONTEND=noninteractive apt-get install -y PACKAGES`; returns when
#   the checks then pass.
# - something missing and not root: prints what is missing and the command to
#   run as root, exits 1.
apt_ensure() {
  local label="$1" what="$2" lacking
  lacking="$(missing)"
  if [ -z "$lacking" ]; then
    echo "$label: $what installed"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "$label: missing $lacking; as root run:" >&2
    echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${PACKAGES[*]}" >&2
    exit 1
  fi
  echo "$label: missing $lacking; installing Debian packages" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${PACKAGES[@]}" >&2
  lacking="$(missing)"
  if [ -n "$lacking" ]; then
    echo "$label: installed the packages but still missing $lacking" >&2
    exit 1
  fi
  echo "$label: $what installed"
}
