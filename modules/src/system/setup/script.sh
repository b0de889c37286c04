# ringmaster fact gathering: one POSIX sh run prints every section the parser reads.
# Each section starts with a line "@@name"; missing tools leave a section empty.
s() { printf '\n@@%s\n' "$1"; }
s uname; uname -s; uname -r; uname -v; uname -m; uname -n
s os_release; cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null
s lsb; command -v lsb_release >/dev/null 2>&1 && lsb_release -a 2>/dev/null
s lsb_file; cat /etc/lsb-release 2>/dev/null
s release_files
for f in /etc/debian_version /etc/redhat-release /etc/alpine-release /etc/arch-release /etc/gentoo-release /etc/SuSE-release; do
  [ -f "$f" ] && printf '%s=%s\n' "$f" "$(head -n 1 "$f")"
done
s fqdn
h=$(uname -n); a=$(getent hosts "$h" 2>/dev/null | awk '{print $1; exit}')
[ -n "$a" ] && getent hosts "$a" 2>/dev/null | head -n 1
s meminfo; cat /proc/meminfo 2>/dev/null
s cpuinfo; cat /proc/cpuinfo 2>/dev/null
s nproc; nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null
s route4; ip -4 route get 8.8.8.8 2>/dev/null
s route6; ip -6 route get 2001:4860:4860::8888 2>/dev/null
s addr; ip -o addr show 2>/dev/null
s netdev
for d in /sys/class/net/*; do
  [ -e "$d" ] || continue
  l=; [ -e "$d/device" ] && l=$(readlink "$d/device" 2>/dev/null)
  printf '%s|%s|%s|%s|%s|%s|%s\n' "${d##*/}" "$(cat "$d/address" 2>/dev/null)" "$(cat "$d/mtu" 2>/dev/null)" \
    "$(cat "$d/type" 2>/dev/null)" "$(cat "$d/flags" 2>/dev/null)" "$(cat "$d/speed" 2>/dev/null)" "${l##*/}"
done
s date; date '+%s %N %z %Z'; date -d @946684800 '+%z %Z' 2>/dev/null; date -d @962409600 '+%z %Z' 2>/dev/null
s user; id -un; id -u; id -g; id -ru; id -rg; getent passwd "$(id -un)" 2>/dev/null
s pkg
for p in apt-get dnf5 dnf yum zypper apk pacman emerge pkg pkgin xbps-install swupd rpm-ostree opkg; do
  command -v "$p" >/dev/null 2>&1 && echo "$p"
done
s init
cat /proc/1/comm 2>/dev/null || echo
[ -d /run/systemd/system ] && echo systemd-booted
[ -x /sbin/openrc ] && echo openrc
[ -d /etc/init.d ] && echo initd
s virt
[ -e /.dockerenv ] && echo dockerenv
[ -e /.dockerinit ] && echo dockerenv
[ -e /run/.containerenv ] && echo podman
grep -qa 'container=lxc' /proc/1/environ 2>/dev/null && echo lxc
grep -qE '/docker(/|-[0-9a-f]+\.scope)' /proc/1/cgroup 2>/dev/null && echo docker_cgroup
grep -qE '/lxc/' /proc/1/cgroup 2>/dev/null && echo lxc
[ -e /proc/vz ] && [ ! -e /proc/bc ] && echo openvz
grep -q '^flags.* hypervisor' /proc/cpuinfo 2>/dev/null && echo hypervisor
printf 'product=%s\n' "$(cat /sys/devices/virtual/dmi/id/product_name 2>/dev/null)"
printf 'vendor=%s\n' "$(cat /sys/devices/virtual/dmi/id/sys_vendor 2>/dev/null)"
s mounts
while read -r dev mnt fs opts dump pass; do
  case "$dev" in /*|*:/*) ;; *) continue ;; esac
  [ "$fs" = none ] && continue
  m=$(printf '%b' "$mnt")
  u=; command -v lsblk >/dev/null 2>&1 && u=$(lsblk -no UUID "$dev" 2>/dev/null | head -n 1)
  printf '%s|%s|%s|%s|%s|%s|%s|%s\n' "$dev" "$m" "$fs" "$opts" "$dump" "$pass" \
    "$(stat -f -c '%S %s %b %f %a %c %d' "$m" 2>/dev/null)" "$u"
done < /proc/mounts 2>/dev/null
s uptime; cat /proc/uptime 2>/dev/null
s machine_id; cat /etc/machine-id 2>/dev/null
s selinux; [ -r /sys/fs/selinux/enforce ] && cat /sys/fs/selinux/enforce
s apparmor; [ -d /sys/kernel/security/apparmor ] && echo enabled
s dns; cat /etc/resolv.conf 2>/dev/null
s local
for f in "${RINGMASTER_FACT_PATH:-/etc/ansible/facts.d}"/*.fact; do
  [ -f "$f" ] || continue
  n=${f##*/}; printf '%%%%fact%%%%%s|%s\n' "${n%.fact}" "$f"
  if [ -x "$f" ]; then "$f" 2>/dev/null; else cat "$f"; fi
  echo
done
s env; env -0 2>/dev/null || env
