#!/usr/bin/env bash
# Installs the Debian packages Tanzim needs, once: Chromium for browser tests, Pango for PDFs,
# gettext for translations, poppler-utils (pdftotext, pdfinfo) for the tests that read PDFs back,
# postgresql-client-15 (pg_dump, pg_restore of the server's major version) for manage.py backup.
# Does nothing when they are already there.
set -euo pipefail
packages=(chromium libpango-1.0-0 libpangoft2-1.0-0 gettext poppler-utils postgresql-client-15)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
