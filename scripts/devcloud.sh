#!/usr/bin/env bash
# devcloud.sh - a throw-away OpenStack Keystone + Swift + Placement on 127.0.0.1 from Debian 12 packages,
# for the OpenStack.Actors integration tests.
#
#   devcloud.sh up             install (if needed), configure, start, wait healthy, provision, write
#                              $DEVCLOUD_DIR/{clouds.yaml,devcloud.env,openrc-*}, print env
#   devcloud.sh down           stop everything started by `up` (by PID files; nothing else)
#   devcloud.sh restart        down + up
#   devcloud.sh status         show processes and health (exit 1 if something is not running)
#   devcloud.sh env            print the openrc / clouds.yaml / devcloud.env facts again
#   devcloud.sh purge          down + unmount + delete $DEVCLOUD_DIR
#   devcloud.sh placement-up   only the Placement part of `up` (install, configure, db sync, register in
#                              the catalog, start, wait healthy); needs a running Keystone; idempotent
#   devcloud.sh stop SERVICE   stop one service (fault tests); SERVICE: keystone swift-proxy swift-object
#   devcloud.sh start SERVICE    swift-container swift-account memcached swift-updaters placement; `start` waits until it answers
#
# Must run as root (apt-get, tmpfs mount). `up` is idempotent: a second `up` only restarts what is not
# running (or whose config changed, e.g. DEVCLOUD_TOKEN_EXPIRATION=30 devcloud.sh up) and re-provisions.
# Everything runtime lives under $DEVCLOUD_DIR (default /tmp/devcloud); nothing is written to /etc
# except what apt/dpkg itself installs.
#
# Endpoints (defaults; ports overridable, see below). All of them reach the same Swift proxy, but every
# (region, interface) has its own URL so tests can tell from the URL which endpoint a client picked:
#   identity      RegionOne public/internal/admin  http://127.0.0.1:5000/v3
#   object-store  RegionOne public                 http://127.0.0.1:8080/v1/AUTH_%(project_id)s  (the proxy)
#   object-store  RegionOne internal               http://localhost:8080/v1/AUTH_%(project_id)s  (same proxy, by name)
#   object-store  RegionOne admin                  http://127.0.0.1:8081/v1/AUTH_%(project_id)s  (socat -> 8080)
#   object-store  RegionTwo public                 http://127.0.0.1:8082/v1/AUTH_%(project_id)s  (socat -> 8080)
#   placement     RegionOne public/admin           http://127.0.0.1:8778   (uwsgi, keystonemiddleware authtoken)
#   placement     RegionOne internal               http://localhost:8778
# The two socat forwarders belong to the swift-proxy service: `stop swift-proxy` stops all three ports.
# Placement logs to $DEVCLOUD_DIR/log/placement.log (oslo.log lines carry the global request id).
#
# Identities (domain Default): admin/devcloud-admin (project admin, role admin); demo/devcloud-demo
# (project demo, role member); application credential "devcloud-demo" of demo, secret
# devcloud-appcred-secret; swift/devcloud-swift and placement/devcloud-placement (project service, role
# admin; the authtoken service users).
# Clouds in $DEVCLOUD_DIR/clouds.yaml: devcloud-admin, devcloud-demo, devcloud-appcred.
set -euo pipefail

# ---------------------------------------------------------------- settings (env overridable)
DEVCLOUD_DIR=${DEVCLOUD_DIR:-/tmp/devcloud}
HOST=127.0.0.1                                               # everything listens on loopback only
INTERNAL_HOST=${DEVCLOUD_INTERNAL_HOST:-localhost}            # host name used in the internal endpoint
KEYSTONE_PORT=${DEVCLOUD_KEYSTONE_PORT:-5000}
SWIFT_PORT=${DEVCLOUD_SWIFT_PORT:-8080}
SWIFT_ADMIN_PORT=${DEVCLOUD_SWIFT_ADMIN_PORT:-8081}           # forwarder: RegionOne admin endpoint
SWIFT_REGION2_PORT=${DEVCLOUD_SWIFT_REGION2_PORT:-8082}       # forwarder: RegionTwo public endpoint
OBJECT_PORT=${DEVCLOUD_OBJECT_PORT:-6200}
CONTAINER_PORT=${DEVCLOUD_CONTAINER_PORT:-6201}
ACCOUNT_PORT=${DEVCLOUD_ACCOUNT_PORT:-6202}
MEMCACHED_PORT=${DEVCLOUD_MEMCACHED_PORT:-11211}
PLACEMENT_PORT=${DEVCLOUD_PLACEMENT_PORT:-8778}
REGION=RegionOne
REGION2=RegionTwo
ADMIN_PASSWORD=${DEVCLOUD_ADMIN_PASSWORD:-devcloud-admin}
DEMO_PASSWORD=${DEVCLOUD_DEMO_PASSWORD:-devcloud-demo}
SWIFT_SERVICE_PASSWORD=${DEVCLOUD_SWIFT_PASSWORD:-devcloud-swift}
PLACEMENT_SERVICE_PASSWORD=${DEVCLOUD_PLACEMENT_PASSWORD:-devcloud-placement}
APPCRED_NAME=devcloud-demo
APPCRED_SECRET=${DEVCLOUD_APPCRED_SECRET:-devcloud-appcred-secret}
TOKEN_EXPIRATION=${DEVCLOUD_TOKEN_EXPIRATION:-600}          # keystone [token] expiration, seconds (>= 1)
AUTHTOKEN_CACHE_TIME=${DEVCLOUD_AUTHTOKEN_CACHE_TIME:--1}    # swift authtoken token_cache_time; -1 = no cache (revocation is seen at once)
KEYSTONE_PROCESSES=${DEVCLOUD_KEYSTONE_PROCESSES:-2}
KEYSTONE_THREADS=${DEVCLOUD_KEYSTONE_THREADS:-4}
PROXY_WORKERS=${DEVCLOUD_PROXY_WORKERS:-2}
OBJECT_WORKERS=${DEVCLOUD_OBJECT_WORKERS:-2}
SWIFT_TMPFS=${DEVCLOUD_SWIFT_TMPFS:-auto}                  # auto|1|0: tmpfs for the swift device (auto falls back to a plain dir)
SWIFT_TMPFS_SIZE=${DEVCLOUD_SWIFT_TMPFS_SIZE:-4g}
SWIFT_UPDATERS=${DEVCLOUD_SWIFT_UPDATERS:-1}                # run container/object updaters (account stats)
SWIFT_UPDATER_PAUSE=${DEVCLOUD_SWIFT_UPDATER_PAUSE:-5}       # seconds between two updater sweeps
WAIT_SECONDS=${DEVCLOUD_WAIT_SECONDS:-90}

PY=/usr/bin/python3                                          # Debian's python, never a pyenv shim
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
SCRIPT_PATH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")

ETC=$DEVCLOUD_DIR/etc
RUN=$DEVCLOUD_DIR/run
LOG=$DEVCLOUD_DIR/log
KS_DIR=$DEVCLOUD_DIR/keystone
SW_DIR=$DEVCLOUD_DIR/swift
SW_DEV=$SW_DIR/srv            # "devices" dir; device name d1
KS_CONF=$ETC/keystone/keystone.conf
SW_ETC=$ETC/swift
PL_DIR=$DEVCLOUD_DIR/placement
PL_ETC=$ETC/placement
PL_URL=http://$HOST:$PLACEMENT_PORT
PL_INTERNAL_URL=http://$INTERNAL_HOST:$PLACEMENT_PORT
KS_ROOT=http://$HOST:$KEYSTONE_PORT
KS_URL=$KS_ROOT/v3
SW_URL=http://$HOST:$SWIFT_PORT
SW_PUBLIC_PREFIX=http://$HOST:$SWIFT_PORT/v1/AUTH_
SW_INTERNAL_PREFIX=http://$INTERNAL_HOST:$SWIFT_PORT/v1/AUTH_
SW_ADMIN_PREFIX=http://$HOST:$SWIFT_ADMIN_PORT/v1/AUTH_
SW_REGION2_PREFIX=http://$HOST:$SWIFT_REGION2_PORT/v1/AUTH_

# python3-swiftclient and rclone: the interop tests write containers with the real tools
PACKAGES=(python3-keystone python3-keystonemiddleware python3-swift swift swift-proxy swift-object
          swift-container swift-account memcached uwsgi-core uwsgi-plugin-python3
          python3-openstackclient python3-swiftclient rclone curl procps socat util-linux
          python3-placement)
# shellcheck disable=SC2206
PACKAGES+=(${DEVCLOUD_EXTRA_PACKAGES:-})                     # e.g. DEVCLOUD_EXTRA_PACKAGES=jq

# start order; down stops in reverse
ALL_SERVICES=(memcached keystone swift-account swift-container swift-object swift-proxy
              swift-proxy-admin swift-proxy-region2 swift-container-updater swift-object-updater placement)
FAULT_SERVICES=(keystone swift-proxy swift-object swift-container swift-account memcached swift-updaters placement)

log() { printf '[devcloud %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }

lock() {  # serialise concurrent invocations (fd 9 is closed for every daemon we start)
  mkdir -p "$DEVCLOUD_DIR"
  exec 9>>"$DEVCLOUD_DIR/.lock"
  flock -w 600 9 || die "could not lock $DEVCLOUD_DIR/.lock"
}

# ---------------------------------------------------------------- install
install_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && { log "packages already installed"; return; }
  local t0; t0=$(now)
  log "installing: ${missing[*]}"
  # keep postinst scripts from starting daemons (memcached, swift-*); removed again if we created it
  local own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; own_policy=1
  fi
  local updated=0
  if [ "$(apt-cache policy python3-keystone socat 2>/dev/null | grep -c 'Candidate: [0-9]')" != 2 ]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -q > "$DEVCLOUD_DIR/apt-update.log" 2>&1 \
      || { tail -20 "$DEVCLOUD_DIR/apt-update.log" >&2; die "apt-get update failed"; }
    updated=1
  fi
  local apt_install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}")
  if ! "${apt_install[@]}" > "$DEVCLOUD_DIR/apt-install.log" 2>&1; then
    if [ $updated = 0 ]; then   # stale package lists (404 on download): update once and retry
      log "apt-get install failed; apt-get update and retry"
      DEBIAN_FRONTEND=noninteractive apt-get update -q > "$DEVCLOUD_DIR/apt-update.log" 2>&1 || true
    fi
    if [ $updated = 1 ] || ! "${apt_install[@]}" > "$DEVCLOUD_DIR/apt-install.log" 2>&1; then
      tail -30 "$DEVCLOUD_DIR/apt-install.log" >&2
      [ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
      die "apt-get install failed (log: $DEVCLOUD_DIR/apt-install.log)"
    fi
  fi
  [ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  log "install done in $(elapsed "$t0") s"
}

# ---------------------------------------------------------------- process helpers
pid_alive() {  # name -> 0 if pidfile's process is alive (and not a zombie)
  local f=$RUN/$1.pid pid
  [ -s "$f" ] || return 1
  pid=$(cat "$f"); running "$pid" || return 1
  # guard against PID reuse: the command line must mention our data dir or the service name
  grep -qa -e "$DEVCLOUD_DIR" -e "$1" "/proc/$pid/cmdline" 2>/dev/null
}

running() {  # pid -> alive and not a zombie (PID 1 here may reap late)
  local st
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

start_bg() {   # name port|- cmd... : start detached (own session), record PID
  local name=$1 port=$2; shift 2
  if pid_alive "$name"; then return; fi
  if [ "$port" != - ] && port_busy "$port"; then
    die "$HOST:$port is already in use by another process (not started by devcloud); cannot start $name"
  fi
  setsid "$@" >> "$LOG/$name.log" 2>&1 < /dev/null 9>&- &
  echo $! > "$RUN/$name.pid"
  log "started $name (pid $!)"
}

stop_services() {  # names... : TERM all, wait up to 10 s, then KILL what is left (and its session)
  local name pid pids=() names=() i left
  for name in "$@"; do
    if pid_alive "$name"; then
      pid=$(cat "$RUN/$name.pid"); kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid"); names+=("$name")
    fi
    rm -f "$RUN/$name.pid"
  done
  [ ${#pids[@]} -eq 0 ] && return 0
  for i in $(seq 1 100); do
    left=0; for pid in "${pids[@]}"; do running "$pid" && left=1; done
    [ $left = 0 ] && break; sleep 0.1
  done
  for i in "${!pids[@]}"; do
    if running "${pids[$i]}"; then
      log "${names[$i]} did not stop on TERM, sending KILL"
      kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
    pkill -KILL -s "${pids[$i]}" 2>/dev/null || true   # leftover workers in its own session (setsid => sid == pid)
    log "stopped ${names[$i]} (pid ${pids[$i]})"
  done
}

http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true; }

wait_http() {  # url expected-code timeout [service]: poll; give up early if the service died
  local url=$1 want=$2 t=$3 svc=${4:-} i
  for i in $(seq 1 $((t * 5))); do
    [ "$(http_code "$url")" = "$want" ] && return 0
    if [ -n "$svc" ] && ! pid_alive "$svc"; then log "$svc exited"; return 1; fi
    sleep 0.2
  done
  return 1
}

wait_port() {  # port timeout-seconds
  local i; for i in $(seq 1 $(($2 * 10))); do port_busy "$1" && return 0; sleep 0.1; done; return 1
}

# ---------------------------------------------------------------- configuration files
RESTART=()     # services whose config changed while they were running
write_conf() {  # file services... < content : write only when different; remember services to restart
  local f=$1 tmp; shift
  tmp=$(mktemp "$f.XXXXXX"); cat > "$tmp"
  if [ -f "$f" ] && cmp -s "$tmp" "$f"; then rm -f "$tmp"; return; fi
  mv -f "$tmp" "$f"; chmod 644 "$f"
  local s; for s in "$@"; do pid_alive "$s" && RESTART+=("$s"); done
  return 0
}

authtoken_user() {  # user password: keystonemiddleware's service credentials, with which it validates tokens
  cat <<EOF
www_authenticate_uri = $KS_URL
auth_url = $KS_ROOT
auth_type = password
project_domain_id = default
user_domain_id = default
project_name = service
username = $1
password = $2
region_name = $REGION
EOF
}

write_keystone_conf() {
  mkdir -p "$ETC/keystone" "$KS_DIR"
  write_conf "$KS_CONF" keystone <<EOF
[DEFAULT]
debug = false
use_stderr = true
[database]
# check_same_thread=false: uwsgi threads + NullPool otherwise leave locked connections behind
connection = sqlite:///$KS_DIR/keystone.db?check_same_thread=false
sqlite_synchronous = false
[token]
provider = fernet
expiration = $TOKEN_EXPIRATION
[fernet_tokens]
key_repository = $KS_DIR/fernet-keys
[fernet_receipts]
key_repository = $KS_DIR/fernet-keys
[credential]
key_repository = $KS_DIR/credential-keys
[identity]
# bcrypt at 4 rounds: password auth ~ms instead of ~0.3 s (dev only)
password_hash_rounds = 4
[cache]
# without a cache keystone runs ~200 SQL queries per token (~0.35 s); with memcached ~0.03 s
enabled = true
backend = oslo_cache.memcache_pool
memcache_servers = $HOST:$MEMCACHED_PORT
EOF
}

write_swift_conf() {
  mkdir -p "$SW_ETC" "$SW_DIR/cache"
  write_conf "$SW_ETC/swift.conf" swift-account swift-container swift-object swift-proxy <<EOF
[swift-hash]
swift_hash_path_suffix = devcloud-suffix
swift_hash_path_prefix = devcloud-prefix
[storage-policy:0]
name = Policy-0
default = yes
[swift-constraints]
EOF
  local common="bind_ip = $HOST
devices = $SW_DEV
mount_check = false
swift_dir = $SW_ETC
user = root
log_level = INFO
recon_cache_path = $SW_DIR/cache"
  write_conf "$SW_ETC/account-server.conf" swift-account <<EOF
[DEFAULT]
$common
bind_port = $ACCOUNT_PORT
workers = 1
[pipeline:main]
pipeline = healthcheck account-server
[app:account-server]
use = egg:swift#account
[filter:healthcheck]
use = egg:swift#healthcheck
[account-replicator]
[account-auditor]
[account-reaper]
EOF
  write_conf "$SW_ETC/container-server.conf" swift-container swift-container-updater <<EOF
[DEFAULT]
$common
bind_port = $CONTAINER_PORT
workers = 1
[pipeline:main]
pipeline = healthcheck container-server
[app:container-server]
use = egg:swift#container
[filter:healthcheck]
use = egg:swift#healthcheck
[container-replicator]
[container-updater]
nice_priority = 10
[container-auditor]
[container-sync]
[container-sharder]
EOF
  write_conf "$SW_ETC/object-server.conf" swift-object swift-object-updater <<EOF
[DEFAULT]
$common
bind_port = $OBJECT_PORT
workers = $OBJECT_WORKERS
[pipeline:main]
pipeline = healthcheck object-server
[app:object-server]
use = egg:swift#object
[filter:healthcheck]
use = egg:swift#healthcheck
[object-replicator]
[object-reconstructor]
[object-updater]
nice_priority = 10
[object-auditor]
EOF
  write_conf "$SW_ETC/proxy-server.conf" swift-proxy <<EOF
[DEFAULT]
bind_ip = $HOST
bind_port = $SWIFT_PORT
swift_dir = $SW_ETC
user = root
workers = $PROXY_WORKERS
log_level = INFO
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl ratelimit authtoken keystoneauth copy container-quotas account-quotas slo dlo versioned_writes symlink proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
$(authtoken_user swift "$SWIFT_SERVICE_PASSWORD")
delay_auth_decision = true
cache = swift.cache
include_service_catalog = false
token_cache_time = $AUTHTOKEN_CACHE_TIME
service_token_roles_required = true
[filter:keystoneauth]
use = egg:swift#keystoneauth
operator_roles = admin, member, swiftoperator
reseller_admin_role = ResellerAdmin
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:cache]
use = egg:swift#memcache
memcache_servers = $HOST:$MEMCACHED_PORT
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:tempurl]
use = egg:swift#tempurl
[filter:ratelimit]
use = egg:swift#ratelimit
[filter:copy]
use = egg:swift#copy
[filter:container-quotas]
use = egg:swift#container_quotas
[filter:account-quotas]
use = egg:swift#account_quotas
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
allow_versioned_writes = true
allow_object_versioning = true
[filter:symlink]
use = egg:swift#symlink
EOF
}

write_placement_conf() {
  mkdir -p "$PL_ETC" "$PL_DIR"
  write_conf "$PL_ETC/placement.conf" placement <<EOF
[DEFAULT]
debug = false
use_stderr = true
[api]
auth_strategy = keystone
[placement_database]
connection = sqlite:///$PL_DIR/placement.db?check_same_thread=false
sqlite_synchronous = false
[oslo_policy]
# project-scoped admin tokens (what the clouds in clouds.yaml get) pass placement's admin rules
enforce_scope = false
enforce_new_defaults = false
[keystone_authtoken]
$(authtoken_user placement "$PLACEMENT_SERVICE_PASSWORD")
memcached_servers = $HOST:$MEMCACHED_PORT
token_cache_time = $AUTHTOKEN_CACHE_TIME
EOF
}

init_placement() {  # schema once; `db sync` itself is idempotent, the marker only saves a python start
  if [ -f "$PL_DIR/.initialized" ]; then return; fi
  placement-manage --config-file "$PL_ETC/placement.conf" db sync > "$LOG/placement-manage.log" 2>&1 \
    || { tail -20 "$LOG/placement-manage.log" >&2; die "placement db sync failed"; }
  "$PY" -c "import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute('PRAGMA journal_mode=WAL')" "$PL_DIR/placement.db"
  touch "$PL_DIR/.initialized"
  log "placement db initialised"
}

check_xattr() {  # swift stores metadata in user.* xattrs (254-byte chunks)
  "$PY" - "$1" <<'EOF'
import os, sys
p = os.path.join(sys.argv[1], '.xattr-test')
open(p, 'w').close()
try:
    os.setxattr(p, 'user.swift.metadata', b'x' * 254)
finally:
    os.remove(p)
EOF
}

prepare_swift_storage() {
  # tmpfs: faster (fsync is free) and no ext4 xattr cap (~3.5 KB of swift metadata per file on ext4,
  # so objects near the 4096-byte user-metadata limit fail there). Data survives down/up, not a reboot.
  mkdir -p "$SW_DEV"
  if [ "$SWIFT_TMPFS" != 0 ] && ! mountpoint -q "$SW_DEV"; then
    if mount -t tmpfs -o size="$SWIFT_TMPFS_SIZE" devcloud-swift "$SW_DEV" 2>/dev/null; then
      log "mounted tmpfs ($SWIFT_TMPFS_SIZE) on $SW_DEV"
    elif [ "$SWIFT_TMPFS" = 1 ]; then
      die "tmpfs mount on $SW_DEV failed"
    else
      log "tmpfs mount not permitted; using a plain directory"
    fi
  fi
  mkdir -p "$SW_DEV/d1"
  check_xattr "$SW_DEV/d1" 2>/dev/null || die "no user xattrs on $SW_DEV (swift needs them); try DEVCLOUD_SWIFT_TMPFS=1 or a loop-mounted ext4/xfs image"
}

build_rings() {  # one python process for all three rings (swift-ring-builder x9 costs ~12 s)
  SW_ETC=$SW_ETC HOST=$HOST OBJECT_PORT=$OBJECT_PORT CONTAINER_PORT=$CONTAINER_PORT ACCOUNT_PORT=$ACCOUNT_PORT "$PY" - <<'EOF'
import os, sys
from swift.common.ring import RingBuilder, Ring
E = os.environ; d = E['SW_ETC']
for t in ('object', 'container', 'account'):
    port = int(E[t.upper() + '_PORT'])
    rg = os.path.join(d, t + '.ring.gz')
    if os.path.exists(rg):
        devs = [x for x in Ring(rg).devs if x]
        if len(devs) == 1 and devs[0]['ip'] == E['HOST'] and devs[0]['port'] == port:
            continue
    b = RingBuilder(8, 1, 1)          # 256 partitions, 1 replica, min_part_hours 1
    b.add_dev({'id': 0, 'region': 1, 'zone': 1, 'ip': E['HOST'], 'port': port,
               'device': 'd1', 'weight': 100, 'meta': ''})
    b.rebalance()
    b.save(os.path.join(d, t + '.builder'))
    b.get_ring().save(rg)
    print('built %s ring' % t, file=sys.stderr)
EOF
}

init_keystone() {
  if [ -f "$KS_DIR/.initialized" ]; then return; fi
  local t0; t0=$(now)
  keystone-manage --config-file "$KS_CONF" db_sync > "$LOG/keystone-manage.log" 2>&1 \
    || { tail -20 "$LOG/keystone-manage.log" >&2; die "db_sync failed"; }
  # WAL: readers in one uwsgi worker no longer block writers in another ("database is locked")
  "$PY" -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA journal_mode=WAL').fetchone()[0])" "$KS_DIR/keystone.db" >/dev/null
  # what fernet_setup/credential_setup produce (keys 0=staged, 1=primary), without two 4 s python starts
  local repo k
  for repo in fernet-keys credential-keys; do
    mkdir -p "$KS_DIR/$repo"; chmod 700 "$KS_DIR/$repo"
    for k in 0 1; do
      [ -s "$KS_DIR/$repo/$k" ] || "$PY" -c "import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode(),end='')" > "$KS_DIR/$repo/$k"
      chmod 600 "$KS_DIR/$repo/$k"
    done
  done
  # bootstrap: admin user/project/role, RegionOne, identity endpoints (idempotent)
  keystone-manage --config-file "$KS_CONF" bootstrap \
      --bootstrap-password "$ADMIN_PASSWORD" --bootstrap-username admin \
      --bootstrap-project-name admin --bootstrap-role-name admin \
      --bootstrap-service-name keystone --bootstrap-region-id "$REGION" \
      --bootstrap-admin-url "$KS_URL" --bootstrap-internal-url "$KS_URL" \
      --bootstrap-public-url "$KS_URL" >> "$LOG/keystone-manage.log" 2>&1 \
    || { tail -20 "$LOG/keystone-manage.log" >&2; die "bootstrap failed"; }
  touch "$KS_DIR/.initialized"
  log "keystone db initialised in $(elapsed "$t0") s"
}

# ---------------------------------------------------------------- start/stop of single services
start_service() {  # name: start one service (configs must exist); returns once started, not healthy
  case $1 in
    memcached)
      start_bg memcached "$MEMCACHED_PORT" memcached -u memcache -l "$HOST" -p "$MEMCACHED_PORT" -U 0 -m 64 -c 1024 ;;
    keystone)
      # uwsgi's async http router owns the client connections (keep-alive without pinning a worker
      # thread per idle connection); workers get one request at a time over a unix socket.
      # --lazy-apps: without it a forked worker sometimes hung on its first request.
      start_bg keystone "$KEYSTONE_PORT" uwsgi --plugins python3,http --master --lazy-apps --need-app --die-on-term \
          --enable-threads --thunder-lock --http "$HOST:$KEYSTONE_PORT" --http-keepalive --http-timeout 120 \
          --socket "$RUN/keystone.sock" --buffer-size 65535 \
          --processes "$KEYSTONE_PROCESSES" --threads "$KEYSTONE_THREADS" --listen 100 \
          --wsgi-file /usr/bin/keystone-wsgi-public --env "OS_KEYSTONE_CONFIG_FILES=$KS_CONF" \
          --chdir "$KS_DIR" --procname-prefix-spaced devcloud-keystone ;;
    swift-account)   start_bg swift-account "$ACCOUNT_PORT" swift-account-server "$SW_ETC/account-server.conf" -v ;;
    swift-container) start_bg swift-container "$CONTAINER_PORT" swift-container-server "$SW_ETC/container-server.conf" -v ;;
    swift-object)    start_bg swift-object "$OBJECT_PORT" swift-object-server "$SW_ETC/object-server.conf" -v ;;
    swift-proxy)
      start_bg swift-proxy "$SWIFT_PORT" swift-proxy-server "$SW_ETC/proxy-server.conf" -v
      # admin and RegionTwo endpoints: plain TCP forwarders to the same proxy (-lp names them in cmdline)
      start_bg swift-proxy-admin "$SWIFT_ADMIN_PORT" socat -lp devcloud-swift-proxy-admin \
          "TCP-LISTEN:$SWIFT_ADMIN_PORT,bind=$HOST,reuseaddr,fork,backlog=128,nodelay" "TCP:$HOST:$SWIFT_PORT,nodelay"
      start_bg swift-proxy-region2 "$SWIFT_REGION2_PORT" socat -lp devcloud-swift-proxy-region2 \
          "TCP-LISTEN:$SWIFT_REGION2_PORT,bind=$HOST,reuseaddr,fork,backlog=128,nodelay" "TCP:$HOST:$SWIFT_PORT,nodelay" ;;
    placement)
      start_bg placement "$PLACEMENT_PORT" uwsgi --plugins python3,http --master --lazy-apps --need-app --die-on-term \
          --enable-threads --http "$HOST:$PLACEMENT_PORT" --http-keepalive --http-timeout 120 \
          --socket "$RUN/placement.sock" --buffer-size 65535 --processes 1 --threads 4 --listen 100 \
          --wsgi-file /usr/bin/placement-api --env "OS_PLACEMENT_CONFIG_DIR=$PL_ETC" \
          --chdir "$PL_DIR" --procname-prefix-spaced devcloud-placement ;;
    swift-updaters) start_service swift-container-updater; start_service swift-object-updater ;;
    swift-container-updater|swift-object-updater)
      [ "$SWIFT_UPDATERS" = 1 ] || return 0
      local t=${1#swift-}; t=${t%-updater}
      # One single-process sweep (`once`), a pause, the next: the daemon's own loop forks a child per partition on every
      # sweep, each paying for eventlet's monkey patching and a Python teardown (about 1 s of CPU), so once the
      # container ring's 256 partitions hold databases the sweeps never end and take both cores from everything else.
      # A sweep calls setsid, so the loop itself stops the sweep under way when it is stopped.
      start_bg "$1" - bash -c 'pause=$1; shift; trap '\''kill "$sweep" 2>/dev/null; exit 0'\'' TERM
          while :; do "$@" & sweep=$!; wait "$sweep"; sleep "$pause" & wait $!; done' "$1" "$SWIFT_UPDATER_PAUSE" \
          "swift-$t-updater" "$SW_ETC/$t-server.conf" once -v ;;
    *) die "unknown service $1" ;;
  esac
}

service_members() {  # name -> the processes it stands for
  case $1 in
    swift-proxy) echo swift-proxy swift-proxy-admin swift-proxy-region2 ;;
    swift-updaters) echo swift-container-updater swift-object-updater ;;
    *) echo "$1" ;;
  esac
}

wait_service() {  # name: wait until it answers
  local url
  case $1 in
    memcached) wait_port "$MEMCACHED_PORT" 10 || die "memcached did not start"; return ;;
    keystone) url=$KS_URL ;;
    placement) url=$PL_URL/ ;;   # the version document needs no token
    swift-account) url=http://$HOST:$ACCOUNT_PORT/healthcheck ;;
    swift-container) url=http://$HOST:$CONTAINER_PORT/healthcheck ;;
    swift-object) url=http://$HOST:$OBJECT_PORT/healthcheck ;;
    swift-proxy)
      wait_http "$SW_URL/healthcheck" 200 "$WAIT_SECONDS" swift-proxy \
        || { tail -20 "$LOG/swift-proxy.log" >&2; die "swift-proxy not healthy"; }
      wait_http "http://$HOST:$SWIFT_ADMIN_PORT/healthcheck" 200 10 swift-proxy-admin \
        || { tail -5 "$LOG/swift-proxy-admin.log" >&2; die "admin forwarder (:$SWIFT_ADMIN_PORT) not healthy"; }
      wait_http "http://$HOST:$SWIFT_REGION2_PORT/healthcheck" 200 10 swift-proxy-region2 \
        || { tail -5 "$LOG/swift-proxy-region2.log" >&2; die "RegionTwo forwarder (:$SWIFT_REGION2_PORT) not healthy"; }
      return ;;
    *) return 0 ;;
  esac
  wait_http "$url" 200 "$WAIT_SECONDS" "$1" || { tail -20 "$LOG/$1.log" >&2; die "$1 not healthy"; }
}

is_fault_service() { local s; for s in "${FAULT_SERVICES[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

cmd_stop() {
  is_fault_service "${1:-}" || die "usage: $0 stop {${FAULT_SERVICES[*]}}"
  # shellcheck disable=SC2046
  stop_services $(service_members "$1")
}

cmd_start() {
  is_fault_service "${1:-}" || die "usage: $0 start {${FAULT_SERVICES[*]}}"
  [ -f "$KS_DIR/.initialized" ] && [ -f "$SW_ETC/proxy-server.conf" ] || die "no devcloud in $DEVCLOUD_DIR; run '$0 up' first"
  if [ "$1" = placement ] && [ ! -f "$PL_DIR/.initialized" ]; then die "placement is not set up in $DEVCLOUD_DIR; run '$0 placement-up' first"; fi
  local t0; t0=$(now)
  start_service "$1"
  wait_service "$1"
  log "$1 up after $(elapsed "$t0") s"
}

start_all() {
  local s
  for s in memcached keystone swift-account swift-container swift-object swift-proxy; do start_service "$s"; done
}

wait_healthy() {
  local t0 s; t0=$(now)
  for s in keystone swift-account swift-container swift-object swift-proxy; do wait_service "$s"; done
  log "all services healthy after $(elapsed "$t0") s"
}

stop_all() {
  local rev=() i
  for ((i=${#ALL_SERVICES[@]}-1; i>=0; i--)); do rev+=("${ALL_SERVICES[$i]}"); done
  stop_services "${rev[@]}"
}

# ---------------------------------------------------------------- keystone provisioning (REST, idempotent)
provision() {  # [placement]: only what placement needs (its service user and catalog entries)
  PART=${1:-all} PLACEMENT_SERVICE_PASSWORD=$PLACEMENT_SERVICE_PASSWORD PL_PUBLIC=$PL_URL PL_INTERNAL=$PL_INTERNAL_URL \
  KS_URL=$KS_URL REGION=$REGION REGION2=$REGION2 ADMIN_PASSWORD=$ADMIN_PASSWORD DEMO_PASSWORD=$DEMO_PASSWORD \
  SWIFT_SERVICE_PASSWORD=$SWIFT_SERVICE_PASSWORD APPCRED_NAME=$APPCRED_NAME APPCRED_SECRET=$APPCRED_SECRET \
  SW_PUBLIC=$SW_PUBLIC_PREFIX SW_INTERNAL=$SW_INTERNAL_PREFIX SW_ADMIN=$SW_ADMIN_PREFIX SW_REGION2=$SW_REGION2_PREFIX \
  OUT=$RUN/ids.env "$PY" - <<'EOF'
import json, os, sys, time, urllib.request, urllib.error
E = os.environ
KS = E['KS_URL']

def call(method, path, token=None, body=None, ok=(200, 201, 204)):
    data = json.dumps(body).encode() if body is not None else None
    for attempt in range(5):   # keystone workers may still be warming up
        req = urllib.request.Request(KS + path, data=data, method=method)
        req.add_header('Content-Type', 'application/json')
        if token: req.add_header('X-Auth-Token', token)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                raw = r.read()
                return r.status, r.headers, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as e:
            if e.code in ok: return e.code, e.headers, None
            if e.code in (500, 502, 503) and attempt < 4: time.sleep(1); continue
            raise SystemExit('%s %s -> %s %s' % (method, path, e.code, e.read()[:300]))
        except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
            if attempt == 4: raise SystemExit('%s %s -> %r' % (method, path, e))
            time.sleep(1)

def token(user, pw, project):
    body = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': user, 'domain': {'id': 'default'}, 'password': pw}}},
        'scope': {'project': {'name': project, 'domain': {'id': 'default'}}}}}
    s, h, b = call('POST', '/auth/tokens', body=body)
    return h['X-Subject-Token'], b['token']

adm, adm_body = token('admin', E['ADMIN_PASSWORD'], 'admin')

def find(coll, key, **q):
    qs = '&'.join('%s=%s' % kv for kv in q.items())
    _, _, b = call('GET', '/%s?%s' % (coll, qs), adm)
    return b[key]

def ensure(coll, key, match, body):
    items = find(coll, coll.split('/')[-1], **match)
    if items: return items[0]
    _, _, b = call('POST', '/' + coll, adm, {key: body})
    return b[key]

proj = {n: ensure('projects', 'project', {'name': n}, {'name': n, 'domain_id': 'default',
         'description': 'devcloud ' + n}) for n in ('service', 'demo')}
roles = {r['name']: r for r in find('roles', 'roles')}
for r in ('member', 'ResellerAdmin', 'swiftoperator'):
    if r not in roles:
        roles[r] = call('POST', '/roles', adm, {'role': {'name': r}})[2]['role']

def ensure_user(name, pw, project):
    return ensure('users', 'user', {'name': name, 'domain_id': 'default'},
                  {'name': name, 'password': pw, 'domain_id': 'default',
                   'default_project_id': project['id'], 'enabled': True})

def grant(project, user, role):
    call('PUT', '/projects/%s/users/%s/roles/%s' % (project['id'], user['id'], roles[role]['id']), adm)

# regions
have_regions = {r['id'] for r in find('regions', 'regions')}
for r in (E['REGION'], E['REGION2']):
    if r not in have_regions:
        call('POST', '/regions', adm, {'region': {'id': r, 'description': 'devcloud ' + r}})

def ensure_endpoints(type_, name, description, want):
    # exactly this set of (region, interface) -> url (extra/stale ones are removed)
    svc = ensure('services', 'service', {'type': type_}, {'type': type_, 'name': name, 'description': description})
    done = set()
    for e in find('endpoints', 'endpoints', service_id=svc['id']):
        k = (e.get('region_id'), e['interface'])
        if want.get(k) == e['url'] and e.get('enabled', True) and k not in done:
            done.add(k); continue
        call('DELETE', '/endpoints/' + e['id'], adm)
    for (region, iface), url in want.items():
        if (region, iface) not in done:
            call('POST', '/endpoints', adm, {'endpoint': {'service_id': svc['id'], 'interface': iface,
                 'url': url, 'region_id': region, 'enabled': True}})

placement_user = ensure_user('placement', E['PLACEMENT_SERVICE_PASSWORD'], proj['service'])
grant(proj['service'], placement_user, 'admin')
ensure_endpoints('placement', 'placement', 'Placement API',
                 {(E['REGION'], 'public'): E['PL_PUBLIC'], (E['REGION'], 'internal'): E['PL_INTERNAL'],
                  (E['REGION'], 'admin'): E['PL_PUBLIC']})
if E['PART'] == 'placement':
    print('provisioned: placement user %s and endpoints' % placement_user['id'], file=sys.stderr)
    sys.exit(0)

swift_user = ensure_user('swift', E['SWIFT_SERVICE_PASSWORD'], proj['service'])
demo_user = ensure_user('demo', E['DEMO_PASSWORD'], proj['demo'])
grant(proj['service'], swift_user, 'admin')
grant(proj['demo'], demo_user, 'member')

ensure_endpoints('object-store', 'swift', 'Swift object storage',
                 {(E['REGION'], 'public'): E['SW_PUBLIC'] + '%(project_id)s',
                  (E['REGION'], 'internal'): E['SW_INTERNAL'] + '%(project_id)s',
                  (E['REGION'], 'admin'): E['SW_ADMIN'] + '%(project_id)s',
                  (E['REGION2'], 'public'): E['SW_REGION2'] + '%(project_id)s'})

# application credential for demo (secret chosen by us, so re-runs need not store it)
demo_tok, _ = token('demo', E['DEMO_PASSWORD'], 'demo')
_, _, b = call('GET', '/users/%s/application_credentials?name=%s' % (demo_user['id'], E['APPCRED_NAME']), demo_tok)
if b['application_credentials']:
    ac = b['application_credentials'][0]
else:
    ac = call('POST', '/users/%s/application_credentials' % demo_user['id'], demo_tok,
              {'application_credential': {'name': E['APPCRED_NAME'], 'secret': E['APPCRED_SECRET'],
                                          'description': 'devcloud demo app credential'}})[2]['application_credential']
facts = {
    'DEVCLOUD_ADMIN_USER_ID': adm_body['user']['id'],
    'DEVCLOUD_ADMIN_PROJECT_ID': adm_body['project']['id'],
    'DEVCLOUD_DEMO_USER_ID': demo_user['id'],
    'DEVCLOUD_DEMO_PROJECT_ID': proj['demo']['id'],
    'DEVCLOUD_SERVICE_PROJECT_ID': proj['service']['id'],
    'DEVCLOUD_SWIFT_USER_ID': swift_user['id'],
    'DEVCLOUD_PLACEMENT_USER_ID': placement_user['id'],
    'DEVCLOUD_APPCRED_ID': ac['id'],
}
tmp = E['OUT'] + '.tmp'
with open(tmp, 'w') as f:
    f.writelines('%s=%s\n' % kv for kv in facts.items())
os.replace(tmp, E['OUT'])
print('provisioned: demo project %s, appcred %s' % (proj['demo']['id'], ac['id']), file=sys.stderr)
EOF
}

# ---------------------------------------------------------------- env output
write_env_files() {
  local ids=$RUN/ids.env
  [ -s "$ids" ] || die "no $ids; run '$0 up' first"
  # shellcheck disable=SC1090
  . "$ids"
  local common="export OS_AUTH_URL=$KS_URL
export OS_IDENTITY_API_VERSION=3
export OS_REGION_NAME=$REGION
export OS_INTERFACE=public"
  cat > "$DEVCLOUD_DIR/openrc-admin" <<EOF
$common
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_USERNAME=admin
export OS_PASSWORD=$ADMIN_PASSWORD
export OS_PROJECT_NAME=admin
EOF
  cat > "$DEVCLOUD_DIR/openrc-demo" <<EOF
$common
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_USERNAME=demo
export OS_PASSWORD=$DEMO_PASSWORD
export OS_PROJECT_NAME=demo
EOF
  cat > "$DEVCLOUD_DIR/openrc-appcred" <<EOF
$common
export OS_AUTH_TYPE=v3applicationcredential
export OS_APPLICATION_CREDENTIAL_ID=$DEVCLOUD_APPCRED_ID
export OS_APPLICATION_CREDENTIAL_SECRET=$APPCRED_SECRET
EOF
  cat > "$DEVCLOUD_DIR/clouds.yaml.tmp" <<EOF
# written by devcloud.sh up; object-store endpoints (all reach the same Swift proxy):
#   $REGION public   $SW_PUBLIC_PREFIX%(project_id)s
#   $REGION internal $SW_INTERNAL_PREFIX%(project_id)s
#   $REGION admin    $SW_ADMIN_PREFIX%(project_id)s
#   $REGION2 public   $SW_REGION2_PREFIX%(project_id)s
clouds:
  devcloud-admin:
    auth:
      auth_url: $KS_URL
      username: admin
      password: $ADMIN_PASSWORD
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: $REGION
    interface: public
    identity_api_version: 3
  devcloud-demo:
    auth:
      auth_url: $KS_URL
      username: demo
      password: $DEMO_PASSWORD
      project_name: demo
      user_domain_name: Default
      project_domain_name: Default
    region_name: $REGION
    interface: public
    identity_api_version: 3
  devcloud-appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: $KS_URL
      application_credential_id: $DEVCLOUD_APPCRED_ID
      application_credential_secret: $APPCRED_SECRET
    region_name: $REGION
    interface: public
    identity_api_version: 3
EOF
  chmod 600 "$DEVCLOUD_DIR/clouds.yaml.tmp"   # it holds passwords: clients warn about files others can read
  mv -f "$DEVCLOUD_DIR/clouds.yaml.tmp" "$DEVCLOUD_DIR/clouds.yaml"
  # plain KEY=VALUE lines, no quoting needed (also sourceable from bash)
  cat > "$DEVCLOUD_DIR/devcloud.env.tmp" <<EOF
DEVCLOUD_DIR=$DEVCLOUD_DIR
DEVCLOUD_SCRIPT=$SCRIPT_PATH
DEVCLOUD_CLOUDS_YAML=$DEVCLOUD_DIR/clouds.yaml
DEVCLOUD_CLOUD_ADMIN=devcloud-admin
DEVCLOUD_CLOUD_DEMO=devcloud-demo
DEVCLOUD_CLOUD_APPCRED=devcloud-appcred
DEVCLOUD_KEYSTONE_URL=$KS_URL
DEVCLOUD_KEYSTONE_ROOT_URL=$KS_ROOT
DEVCLOUD_SWIFT_URL=$SW_URL
DEVCLOUD_SWIFT_ADMIN_FORWARD_URL=http://$HOST:$SWIFT_ADMIN_PORT
DEVCLOUD_SWIFT_REGION2_FORWARD_URL=http://$HOST:$SWIFT_REGION2_PORT
DEVCLOUD_REGION=$REGION
DEVCLOUD_REGION2=$REGION2
DEVCLOUD_SWIFT_PUBLIC_PREFIX=$SW_PUBLIC_PREFIX
DEVCLOUD_SWIFT_INTERNAL_PREFIX=$SW_INTERNAL_PREFIX
DEVCLOUD_SWIFT_ADMIN_PREFIX=$SW_ADMIN_PREFIX
DEVCLOUD_SWIFT_REGION2_PUBLIC_PREFIX=$SW_REGION2_PREFIX
DEVCLOUD_DOMAIN_NAME=Default
DEVCLOUD_DOMAIN_ID=default
DEVCLOUD_ADMIN_USER=admin
DEVCLOUD_ADMIN_PASSWORD=$ADMIN_PASSWORD
DEVCLOUD_ADMIN_PROJECT=admin
DEVCLOUD_ADMIN_USER_ID=$DEVCLOUD_ADMIN_USER_ID
DEVCLOUD_ADMIN_PROJECT_ID=$DEVCLOUD_ADMIN_PROJECT_ID
DEVCLOUD_ADMIN_SWIFT_URL=$SW_PUBLIC_PREFIX$DEVCLOUD_ADMIN_PROJECT_ID
DEVCLOUD_DEMO_USER=demo
DEVCLOUD_DEMO_PASSWORD=$DEMO_PASSWORD
DEVCLOUD_DEMO_PROJECT=demo
DEVCLOUD_DEMO_USER_ID=$DEVCLOUD_DEMO_USER_ID
DEVCLOUD_DEMO_PROJECT_ID=$DEVCLOUD_DEMO_PROJECT_ID
DEVCLOUD_DEMO_SWIFT_URL=$SW_PUBLIC_PREFIX$DEVCLOUD_DEMO_PROJECT_ID
DEVCLOUD_DEMO_SWIFT_PUBLIC_URL=$SW_PUBLIC_PREFIX$DEVCLOUD_DEMO_PROJECT_ID
DEVCLOUD_DEMO_SWIFT_INTERNAL_URL=$SW_INTERNAL_PREFIX$DEVCLOUD_DEMO_PROJECT_ID
DEVCLOUD_DEMO_SWIFT_ADMIN_URL=$SW_ADMIN_PREFIX$DEVCLOUD_DEMO_PROJECT_ID
DEVCLOUD_DEMO_SWIFT_REGION2_PUBLIC_URL=$SW_REGION2_PREFIX$DEVCLOUD_DEMO_PROJECT_ID
DEVCLOUD_SERVICE_PROJECT_ID=$DEVCLOUD_SERVICE_PROJECT_ID
DEVCLOUD_SWIFT_USER_ID=$DEVCLOUD_SWIFT_USER_ID
DEVCLOUD_PLACEMENT_URL=$PL_URL
DEVCLOUD_PLACEMENT_INTERNAL_URL=$PL_INTERNAL_URL
DEVCLOUD_PLACEMENT_LOG=$LOG/placement.log
DEVCLOUD_APPCRED_ID=$DEVCLOUD_APPCRED_ID
DEVCLOUD_APPCRED_NAME=$APPCRED_NAME
DEVCLOUD_APPCRED_SECRET=$APPCRED_SECRET
DEVCLOUD_TOKEN_EXPIRATION=$TOKEN_EXPIRATION
DEVCLOUD_AUTHTOKEN_CACHE_TIME=$AUTHTOKEN_CACHE_TIME
EOF
  mv -f "$DEVCLOUD_DIR/devcloud.env.tmp" "$DEVCLOUD_DIR/devcloud.env"
}

print_env() {
  write_env_files
  echo "# ---- devcloud: source $DEVCLOUD_DIR/openrc-admin (or openrc-demo, openrc-appcred)"
  echo "#      export OS_CLIENT_CONFIG_FILE=$DEVCLOUD_DIR/clouds.yaml   # clouds: devcloud-admin devcloud-demo devcloud-appcred"
  echo "# identity (public/internal/admin, $REGION): $KS_URL   token expiration: ${TOKEN_EXPIRATION}s, authtoken token_cache_time: $AUTHTOKEN_CACHE_TIME"
  echo "# object-store $REGION public:   $SW_PUBLIC_PREFIX%(project_id)s"
  echo "# object-store $REGION internal: $SW_INTERNAL_PREFIX%(project_id)s"
  echo "# object-store $REGION admin:    $SW_ADMIN_PREFIX%(project_id)s"
  echo "# object-store $REGION2 public:   $SW_REGION2_PREFIX%(project_id)s"
  echo "# placement $REGION public/admin: $PL_URL  internal: $PL_INTERNAL_URL  log: $LOG/placement.log"
  echo "# ---- $DEVCLOUD_DIR/devcloud.env"
  cat "$DEVCLOUD_DIR/devcloud.env"
}

status() {
  local s rc=0
  for s in "${ALL_SERVICES[@]}"; do
    if pid_alive "$s"; then printf '%-24s running  pid %s\n' "$s" "$(cat "$RUN/$s.pid")"
    else printf '%-24s stopped\n' "$s"; rc=1; fi
  done
  printf '%-44s %s\n' "keystone $KS_URL" "$(http_code "$KS_URL")"
  printf '%-44s %s\n' "swift $SW_URL/healthcheck" "$(http_code "$SW_URL/healthcheck")"
  printf '%-44s %s\n' "swift admin http://$HOST:$SWIFT_ADMIN_PORT/healthcheck" "$(http_code "http://$HOST:$SWIFT_ADMIN_PORT/healthcheck")"
  printf '%-44s %s\n' "swift $REGION2 http://$HOST:$SWIFT_REGION2_PORT/healthcheck" "$(http_code "http://$HOST:$SWIFT_REGION2_PORT/healthcheck")"
  printf '%-44s %s\n' "placement $PL_URL/" "$(http_code "$PL_URL/")"
  return $rc
}

up() {
  [ "$(id -u)" = 0 ] || die "run as root"
  local t0; t0=$(now)
  install_packages
  mkdir -p "$ETC" "$RUN" "$LOG" "$KS_DIR" "$SW_DIR"
  write_keystone_conf
  write_swift_conf
  if [ ${#RESTART[@]} -gt 0 ]; then
    log "config changed, restarting: ${RESTART[*]}"
    stop_services "${RESTART[@]}"
  fi
  prepare_swift_storage
  build_rings
  start_service memcached
  wait_service memcached
  init_keystone
  start_all
  wait_healthy
  start_service swift-container-updater
  start_service swift-object-updater
  provision
  placement_up
  log "up complete in $(elapsed "$t0") s"
  print_env
}

placement_up() {  # the placement part of `up`, on its own: Keystone must already run
  [ "$(id -u)" = 0 ] || die "run as root"
  [ -f "$KS_DIR/.initialized" ] || die "no keystone in $DEVCLOUD_DIR; run '$0 up' first"
  install_packages
  mkdir -p "$ETC" "$RUN" "$LOG"
  RESTART=()
  write_placement_conf
  [ ${#RESTART[@]} -gt 0 ] && { log "placement config changed, restarting"; stop_services placement; }
  init_placement
  wait_service keystone
  provision placement
  start_service placement
  wait_service placement
  [ ! -s "$RUN/ids.env" ] || write_env_files
}

purge() {
  [ "$(id -u)" = 0 ] || die "run as root"
  stop_all
  if mountpoint -q "$SW_DEV" 2>/dev/null; then umount "$SW_DEV"; fi
  rm -rf "$DEVCLOUD_DIR"
  log "purged $DEVCLOUD_DIR"
}

usage() {
  echo "usage: $0 up|down|restart|status|env|purge|placement-up|stop SERVICE|start SERVICE" >&2
  echo "       SERVICE: ${FAULT_SERVICES[*]}" >&2
  exit 2
}

case "${1:-}" in
  up) lock; up ;;
  down) lock; stop_all ;;
  restart) lock; stop_all; up ;;
  status) status ;;
  env) print_env ;;
  purge) lock; purge ;;
  placement-up) lock; placement_up ;;
  stop) lock; cmd_stop "${2:-}" ;;
  start) lock; cmd_start "${2:-}" ;;
  *) usage ;;
esac
