#!/usr/bin/env bash
# verify.sh - end-to-end check of a running devcloud (scripts/devcloud.sh up) with curl only
# (+ Debian's python3 to read JSON). Reads $DEVCLOUD_DIR/devcloud.env. Exit 0 = all checks passed.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
DEVCLOUD_DIR=${DEVCLOUD_DIR:-/tmp/devcloud}
ENV_FILE=$DEVCLOUD_DIR/devcloud.env
[ -s "$ENV_FILE" ] || { echo "no $ENV_FILE: run scripts/devcloud.sh up first" >&2; exit 1; }
# shellcheck disable=SC1090
. "$ENV_FILE"
PY=/usr/bin/python3
KS=$DEVCLOUD_KEYSTONE_URL
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

issue() {  # json-body -> sets TOKEN, writes $tmp/token.json
  local code
  code=$(curl -s -o "$tmp/token.json" -D "$tmp/hdrs" -w '%{http_code}' -H 'Content-Type: application/json' -d "$1" "$KS/auth/tokens")
  echo "POST /v3/auth/tokens -> $code"; [ "$code" = 201 ] || fail "token: $(head -c 300 "$tmp/token.json")"
  TOKEN=$(awk -F': ' 'tolower($1)=="x-subject-token"{print $2}' "$tmp/hdrs" | tr -d '\r')
}
password_body() {
  printf '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"%s","domain":{"id":"default"},"password":"%s"}}},"scope":{"project":{"name":"%s","domain":{"id":"default"}}}}}' "$1" "$2" "$3"
}
c() {  # expected-codes curl-args... (uses $TOKEN)
  local exp=$1 got; shift
  got=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $TOKEN" "$@")
  echo "$* -> $got"; [[ " $exp " == *" $got "* ]] || fail "expected $exp"
}

# ---- demo: password token, catalog
issue "$(password_body "$DEVCLOUD_DEMO_USER" "$DEVCLOUD_DEMO_PASSWORD" "$DEVCLOUD_DEMO_PROJECT")"
DEMO_TOKEN=$TOKEN
$PY - "$tmp/token.json" <<EOF
import json, sys
t = json.load(open(sys.argv[1]))['token']
pid = t['project']['id']
assert pid == '$DEVCLOUD_DEMO_PROJECT_ID', pid
print('expires_at', t['expires_at'], 'roles', sorted(r['name'] for r in t['roles']))
eps = {(s['type'], e['region_id'], e['interface']): e['url'] for s in t['catalog'] for e in s['endpoints']}
for k in sorted(eps): print('  catalog', *k, eps[k])
want = {
  ('identity', '$DEVCLOUD_REGION', 'public'): '$DEVCLOUD_KEYSTONE_URL',
  ('identity', '$DEVCLOUD_REGION', 'internal'): '$DEVCLOUD_KEYSTONE_URL',
  ('identity', '$DEVCLOUD_REGION', 'admin'): '$DEVCLOUD_KEYSTONE_URL',
  ('object-store', '$DEVCLOUD_REGION', 'public'): '$DEVCLOUD_SWIFT_PUBLIC_PREFIX' + pid,
  ('object-store', '$DEVCLOUD_REGION', 'internal'): '$DEVCLOUD_SWIFT_INTERNAL_PREFIX' + pid,
  ('object-store', '$DEVCLOUD_REGION', 'admin'): '$DEVCLOUD_SWIFT_ADMIN_PREFIX' + pid,
  ('object-store', '$DEVCLOUD_REGION2', 'public'): '$DEVCLOUD_SWIFT_REGION2_PUBLIC_PREFIX' + pid,
}
for k, v in want.items():
    assert eps.get(k) == v, 'catalog %s: %s != %s' % (k, eps.get(k), v)
assert len({v for k, v in want.items() if k[0] == 'object-store'}) == 4, 'object-store URLs not distinct'
print('catalog OK')
EOF

# ---- every object-store endpoint reaches the proxy
for u in "$DEVCLOUD_DEMO_SWIFT_PUBLIC_URL" "$DEVCLOUD_DEMO_SWIFT_INTERNAL_URL" \
         "$DEVCLOUD_DEMO_SWIFT_ADMIN_URL" "$DEVCLOUD_DEMO_SWIFT_REGION2_PUBLIC_URL"; do
  c "200 204" -I "$u"
done
SWIFT=$DEVCLOUD_DEMO_SWIFT_URL

# ---- middleware present
curl -s "$DEVCLOUD_SWIFT_URL/info" > "$tmp/info.json"
$PY - "$tmp/info.json" <<'EOF'
import json, sys
info = json.load(open(sys.argv[1]))
need = ['slo', 'tempurl', 'bulk_upload', 'bulk_delete', 'symlink', 'versioned_writes', 'account_quotas', 'container_quotas']
missing = [m for m in need if m not in info]
assert not missing, 'missing in /info: %s' % missing
print('/info OK:', ' '.join(sorted(info)))
EOF

# ---- object round trip
c "201 202" -X PUT "$SWIFT/verify-c"
head -c 100000 /dev/urandom > "$tmp/obj"
c 201 -X PUT -T "$tmp/obj" "$SWIFT/verify-c/obj1"
got=$(curl -s -H "X-Auth-Token: $TOKEN" "$SWIFT/verify-c/obj1" | md5sum | cut -d' ' -f1)
[ "$got" = "$(md5sum < "$tmp/obj" | cut -d' ' -f1)" ] || fail "GET obj1 content differs"
echo "GET obj1 -> content matches"
echo "listing: $(curl -s -H "X-Auth-Token: $TOKEN" "$SWIFT/verify-c?format=json")"
c 204 -X DELETE "$SWIFT/verify-c/obj1"
c 204 -X DELETE "$SWIFT/verify-c"

# ---- isolation
c 403 -I "$DEVCLOUD_ADMIN_SWIFT_URL"
code=$(curl -s -o /dev/null -w '%{http_code}' -I "$SWIFT"); echo "HEAD (no token) $SWIFT -> $code"; [ "$code" = 401 ] || fail "expected 401"

# ---- application credential
issue "$(printf '{"auth":{"identity":{"methods":["application_credential"],"application_credential":{"id":"%s","secret":"%s"}}}}' "$DEVCLOUD_APPCRED_ID" "$DEVCLOUD_APPCRED_SECRET")"
c "200 204" -I "$SWIFT"

# ---- admin
issue "$(password_body "$DEVCLOUD_ADMIN_USER" "$DEVCLOUD_ADMIN_PASSWORD" "$DEVCLOUD_ADMIN_PROJECT")"
c "200 204" -I "$DEVCLOUD_ADMIN_SWIFT_URL"

# ---- revocation is seen by swift at once (authtoken token_cache_time=-1)
TOKEN=$DEMO_TOKEN
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "X-Auth-Token: $TOKEN" -H "X-Subject-Token: $TOKEN" "$KS/auth/tokens")
echo "DELETE /v3/auth/tokens -> $code"; [ "$code" = 204 ] || fail "revoke"
if [ "$DEVCLOUD_AUTHTOKEN_CACHE_TIME" = -1 ]; then c 401 -I "$SWIFT"; fi
echo "VERIFY OK"
