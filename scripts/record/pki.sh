#!/usr/bin/env bash
# Makes the test PKI used to record tlsdump's own TLS captures.
#
# usage: pki.sh DIR [DNS_NAME] [ORG]
#   DIR       where the keys and certificates go (created; left alone when DIR/.complete exists)
#   DNS_NAME  the server's name (SAN DNS and CN); default server.test
#   ORG       the O= of every subject; default "tlsdump test"
#
# What it makes (all PEM; keys unencrypted: this is test data, never trusted anywhere):
#   root-ca        RSA 2048 root                      -> signs int-ca
#   int-ca         RSA 2048 intermediate (pathlen 0)  -> signs every server leaf
#   server         RSA 2048 leaf, SAN DNS:DNS_NAME, serverAuth
#   server-ecdsa   P-256 leaf, SAN DNS:DNS_NAME, serverAuth
#   server-expired RSA 2048 leaf, valid 2020-01-01 .. 2021-01-01 only
#   server-big     RSA 4096 leaf with 60 SANs, so that the server's flight spans several TCP segments
#   client-ca      RSA 2048 root of the client certificates the servers accept
#   client         RSA 2048 leaf under client-ca, clientAuth
#   other-ca       RSA 2048 root that nobody trusts
#   other-client   RSA 2048 leaf under other-ca, clientAuth (the "wrong CA" client certificate)
#   server-chain.pem      int-ca            (what a server sends after its leaf)
#   server-big-chain.pem  int-ca + root-ca  (a longer chain, root included)
set -euo pipefail

DIR=${1:?usage: pki.sh DIR [DNS_NAME] [ORG]}
DNS=${2:-server.test}
ORG=${3:-tlsdump test}

if [[ -f "$DIR/.complete" ]]; then
  echo "pki: $DIR already complete, keeping it" >&2
  exit 0
fi
mkdir -p "$DIR"
cd "$DIR"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

DAYS=7300  # 20 years: the good certificates must stay valid for as long as the fixtures are used

serial() { openssl rand -hex 8; }

# root NAME CN [keyopt...]: a self-signed CA
root() {
  local name=$1 cn=$2
  openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.pem" -days "$DAYS" \
    -subj "/O=$ORG/CN=$cn" -set_serial "0x$(serial)" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" 2>/dev/null
}

# sign NAME CA EXTFILE [x509 options...]: signs NAME.csr with CA into NAME.pem
sign() {
  local name=$1 ca=$2 ext=$3
  shift 3
  openssl x509 -req -in "$TMP/$name.csr" -CA "$ca.pem" -CAkey "$ca.key" -set_serial "0x$(serial)" \
    -extfile "$ext" -out "$name.pem" "$@" 2>/dev/null
}

# csr NAME CN KEYSPEC: a new key and a request
csr() {
  local name=$1 cn=$2 keyspec=$3
  openssl req -new -newkey "$keyspec" -nodes -keyout "$name.key" -out "$TMP/$name.csr" \
    -subj "/O=$ORG/CN=$cn" 2>/dev/null
}

leaf_ext() {  # leaf_ext FILE EKU SAN
  cat >"$1" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=$2
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
${3:+subjectAltName=$3}
EOF
}

root root-ca "tlsdump Test Root CA"
root client-ca "tlsdump Test Client CA"
root other-ca "tlsdump Test Other CA"

cat >"$TMP/int.ext" <<EOF
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
csr int-ca "tlsdump Test Intermediate CA" rsa:2048
sign int-ca root-ca "$TMP/int.ext" -days "$DAYS"

leaf_ext "$TMP/server.ext" serverAuth "DNS:$DNS"
csr server "$DNS" rsa:2048
sign server int-ca "$TMP/server.ext" -days "$DAYS"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server-ecdsa.key 2>/dev/null
openssl req -new -key server-ecdsa.key -out "$TMP/server-ecdsa.csr" -subj "/O=$ORG/CN=$DNS" 2>/dev/null
# an ECDSA key signs only: keyUsage digitalSignature (no keyEncipherment)
sed 's/digitalSignature,keyEncipherment/digitalSignature/' "$TMP/server.ext" >"$TMP/server-ecdsa.ext"
sign server-ecdsa int-ca "$TMP/server-ecdsa.ext" -days "$DAYS"

sans="DNS:$DNS"
for i in $(seq 1 59); do sans="$sans,DNS:host$i.$DNS"; done
leaf_ext "$TMP/server-big.ext" serverAuth "$sans"
csr server-big "$DNS" rsa:4096
sign server-big int-ca "$TMP/server-big.ext" -days "$DAYS"

leaf_ext "$TMP/client.ext" clientAuth "DNS:client.test"
csr client "client.test" rsa:2048
sign client client-ca "$TMP/client.ext" -days "$DAYS"
csr other-client "other-client.test" rsa:2048
sign other-client other-ca "$TMP/client.ext" -days "$DAYS"

# The expired leaf: `openssl x509 -req` cannot set a start date in OpenSSL 3.0, `openssl ca` can.
mkdir -p "$TMP/ca"
: >"$TMP/ca/index.txt"
cat >"$TMP/ca.cnf" <<EOF
[ca]
default_ca = tca
[tca]
database = $TMP/ca/index.txt
serial = $TMP/ca/serial
new_certs_dir = $TMP/ca
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[anything]
organizationName = optional
commonName = supplied
EOF
csr server-expired "$DNS" rsa:2048
serial >"$TMP/ca/serial"
openssl ca -batch -config "$TMP/ca.cnf" -cert int-ca.pem -keyfile int-ca.key -in "$TMP/server-expired.csr" \
  -out "$TMP/server-expired.full" -startdate 20200101000000Z -enddate 20210101000000Z \
  -extfile "$TMP/server.ext" -notext 2>"$TMP/ca.err" || { cat "$TMP/ca.err" >&2; exit 1; }
openssl x509 -in "$TMP/server-expired.full" -out server-expired.pem

cp int-ca.pem server-chain.pem
cat int-ca.pem root-ca.pem >server-big-chain.pem

# Sanity: every leaf verifies against its root; the expired one fails for its date alone.
openssl verify -CAfile root-ca.pem -untrusted int-ca.pem server.pem server-ecdsa.pem server-big.pem >/dev/null
openssl verify -CAfile root-ca.pem -untrusted int-ca.pem -no_check_time server-expired.pem >/dev/null
out=$(openssl verify -CAfile root-ca.pem -untrusted int-ca.pem server-expired.pem 2>&1 || true)
if [[ $out != *"error 10 "* ]]; then
  echo "pki: server-expired.pem does not fail with 'certificate has expired'" >&2; exit 1
fi
openssl verify -CAfile client-ca.pem client.pem >/dev/null
openssl verify -CAfile other-ca.pem other-client.pem >/dev/null
chmod 644 ./*.key ./*.pem
touch .complete
echo "pki: made in $DIR" >&2
