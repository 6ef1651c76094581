#!/bin/sh
# Trunk post-build hook: moves trunk's inline boot script out of index.html into
# a hashed external file, so the console runs under the BFF's CSP
# (`script-src 'self' 'wasm-unsafe-eval'`, no inline scripts).
set -eu
dir="${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}"
html="$dir/index.html"
tmp="$dir/boot.js.tmp"
# The body of the first inline <script type="module"> ... </script>.
awk '
  /<script type="module"[^>]*>/ && !done { inside = 1; sub(/.*<script type="module"[^>]*>/, ""); }
  inside {
    if (index($0, "</script>")) { sub(/<\/script>.*/, ""); print; inside = 0; done = 1; next }
    print
  }
' "$html" > "$tmp"
if [ ! -s "$tmp" ]; then
  rm -f "$tmp"
  echo "csp-hook: no inline module script in $html" >&2
  exit 0
fi
hash=$(sha256sum "$tmp" | cut -c1-16)
mv "$tmp" "$dir/boot-$hash.js"
# Replace the inline script (possibly spanning lines) by a reference to the file.
awk -v src="/boot-$hash.js" '
  /<script type="module"[^>]*>/ && !done {
    pre = $0; sub(/<script type="module".*/, "", pre);
    printf "%s<script type=\"module\" src=\"%s\"></script>", pre, src
    if (index($0, "</script>")) { post = $0; sub(/.*<\/script>/, "", post); print post; done = 1; next }
    skipping = 1; next
  }
  skipping {
    if (index($0, "</script>")) { post = $0; sub(/.*<\/script>/, "", post); print post; skipping = 0; done = 1 }
    next
  }
  { print }
' "$html" > "$html.tmp"
mv "$html.tmp" "$html"
