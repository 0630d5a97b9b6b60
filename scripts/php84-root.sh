#!/usr/bin/env bash
# A Debian 13 ("trixie") system in target/php84-root/root, made from Debian's
# own packages with mmdebstrap, for building and testing vfstock against the
# PHP 8.4 that Debian 13 ships. Kept between runs (rebuilt when the package
# list below changes); `rm -rf target/php84-root` starts afresh.
#
#   scripts/php84-root.sh ensure       make the root unless it is there; write
#                                      bin/php-config and bin/php beside it
#   scripts/php84-root.sh run CMD ...  run CMD inside the root, with this
#                                      repository mounted at its own path
#                                      (and /proc, /dev), in a private mount
#                                      namespace: the mounts end with CMD
#
# bin/php-config is the root's php-config8.4 as seen from this machine: its
# include paths point into the root (what the build needs), while the
# extension and ini folders stay the root's own (/usr/lib/php/20240924,
# /etc/php/8.4/...), so that `make install DESTDIR=<root>` puts the files
# where the root's PHP reads them. bin/php runs the root's php8.4 (in the root
# through chroot as root; otherwise through the root's own dynamic loader,
# which is enough for `php -i`).
#
# Needs root (mmdebstrap and chroot); uses sudo otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd -P)
home="$repo/target/php84-root"
root="$home/root"
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=(
  php8.4-cli php8.4-dev php8.4-fpm php8.4-xml php8.4-mbstring php8.4-sqlite3
  phpunit
)

if [ "$(id -u)" -ne 0 ]; then
  exec sudo --preserve-env=DEBIAN_MIRROR bash "$0" "$@"
fi

ensure() {
  local want have=
  want="trixie ${packages[*]}"
  [ -f "$root/.vfstock-root" ] && have=$(cat "$root/.vfstock-root")
  if [ "$have" != "$want" ]; then
    command -v mmdebstrap >/dev/null 2>&1 || {
      echo "php84-root: mmdebstrap is missing: run make setup (or apt-get install mmdebstrap)" >&2
      exit 1
    }
    echo "php84-root: making a Debian 13 root with ${packages[*]} (a few minutes, once)" >&2
    rm -rf "$root" "$root.new"
    mkdir -p "$home"
    local started=$SECONDS
    mmdebstrap --variant=apt --components=main --aptopt='Acquire::Retries "3"' \
      --include="$(
        IFS=,
        echo "${packages[*]}"
      )" \
      trixie "$root.new" "$mirror" >"$home/mmdebstrap.log" 2>&1 || {
      tail -n 30 "$home/mmdebstrap.log" >&2
      echo "php84-root: mmdebstrap failed (the log: $home/mmdebstrap.log)" >&2
      exit 1
    }
    echo "$want" >"$root.new/.vfstock-root"
    mv "$root.new" "$root"
    echo "php84-root: made in $((SECONDS - started)) s" >&2
  fi
  write_wrappers
}

write_wrappers() {
  mkdir -p "$home/bin"
  cat >"$home/bin/php-config" <<EOF
#!/bin/sh
# Debian 13's php-config8.4 of $root, as seen from outside the root
# (written by scripts/php84-root.sh).
root='$root'
real="\$root/usr/bin/php-config8.4"
case "\$1" in
  --includes) sh "\$real" --includes | sed "s#-I/#-I\$root/#g" ;;
  --include-dir) printf '%s%s\n' "\$root" "\$(sh "\$real" --include-dir)" ;;
  --php-binary) echo '$home/bin/php' ;;
  *) exec sh "\$real" "\$@" ;;
esac
EOF
  cat >"$home/bin/php" <<EOF
#!/bin/sh
# Debian 13's php8.4 of $root (written by scripts/php84-root.sh).
root='$root'
if [ "\$(id -u)" -eq 0 ]; then
  exec chroot "\$root" /usr/bin/php8.4 "\$@"
fi
exec "\$root/lib64/ld-linux-x86-64.so.2" --library-path "\$root/usr/lib/x86_64-linux-gnu" "\$root/usr/bin/php8.4" -n "\$@"
EOF
  chmod 0755 "$home/bin/php-config" "$home/bin/php"
}

run() {
  [ -f "$root/.vfstock-root" ] || {
    echo "php84-root: no root yet: scripts/php84-root.sh ensure" >&2
    exit 1
  }
  unshare --mount --propagation private -- bash -c '
    set -e
    root=$1 repo=$2
    shift 2
    mkdir -p "$root$repo"
    mount --bind "$repo" "$root$repo"
    mount -t proc proc "$root/proc"
    mount --bind /dev "$root/dev"
    exec chroot "$root" /usr/bin/env -i -C "$repo" \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      HOME=/root LANG=C.UTF-8 TMPDIR=/tmp "$@"
  ' _ "$root" "$repo" "$@"
}

case "${1:-}" in
  ensure) ensure ;;
  run)
    shift
    run "$@"
    ;;
  *)
    echo "usage: $0 ensure | run CMD..." >&2
    exit 2
    ;;
esac
