#!/usr/bin/env bash
# Installs the Debian packages Tanzim needs, once: Chromium's headless shell for browser tests,
# Pango for PDFs, gettext for translations, poppler-utils (pdftotext, pdfinfo) for the tests that
# read PDFs back, postgresql-client-15 (pg_dump, pg_restore of the server's major version) for
# manage.py backup, a Java runtime (default-jre-headless, unless a java is on the PATH) for the Nu
# Html Checker. Then the checker's pinned vnu.jar, fetched once into var/vendor/ (tanzim/testing/vnu.py).
# Does nothing when they are already there.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(chromium-headless-shell libpango-1.0-0 libpangoft2-1.0-0 gettext poppler-utils postgresql-client-15)
command -v java >/dev/null 2>&1 || packages+=(default-jre-headless)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
fetch_vnu() { python3 tanzim/testing/vnu.py >/dev/null; }
[ ${#missing[@]} -eq 0 ] && { fetch_vnu; exit 0; }
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fetch_vnu
