// Test support (not a test file): classic buildpacks written for the tests.
// - tinylang (git): installs "TinyLang" (a Perl script, the stack has Perl) from a tarball it
//   vendors, caches it in CACHE_DIR, puts it on PATH with .profile.d and `export`, copies the
//   GREETING config var from ENV_DIR into the app, and declares `web` in bin/release.
// - greeter (tarball): uses `tiny` from the export of the buildpack before it, and writes the page.
// - picky (git): its bin/detect refuses every app.
import { tarballOf, type BuildpackFiles } from './buildpack-servers.js';

const TINY = `#!/usr/bin/perl
# TinyLang 1.0: \`tiny version\`; \`tiny serve FILE\` answers every request with FILE's text,
# then the TINY_PROFILE variable (set by .profile.d at start).
use strict;
use IO::Socket::INET;
my $command = shift // '';
if ($command eq 'version') { print "TinyLang 1.0\\n"; exit 0; }
die "usage: tiny version | tiny serve FILE\\n" unless $command eq 'serve';
my $file = shift;
$SIG{TERM} = sub { exit 0 };
my $server = IO::Socket::INET->new(LocalAddr => '0.0.0.0', LocalPort => $ENV{PORT}, Listen => 64, ReuseAddr => 1) or die "listen: $!\\n";
while (my $client = $server->accept) {
  while (my $line = <$client>) { last if $line =~ /^\\r?\\n$/; }
  open(my $in, '<', $file) or die "$file: $!\\n";
  local $/;
  my $body = <$in> . 'profile: ' . ($ENV{TINY_PROFILE} // 'not loaded') . "\\n";
  close $in;
  print $client "HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: " . length($body) . "\\r\\nConnection: close\\r\\n\\r\\n" . $body;
  close $client;
}
`;

export async function tinylangBuildpack(): Promise<BuildpackFiles> {
  return {
    'bin/detect': `#!/usr/bin/env bash
if [ -f "$1/hello.tiny" ]; then echo TinyLang; exit 0; fi
echo "no hello.tiny"
exit 1
`,
    'bin/compile': `#!/usr/bin/env bash
set -euo pipefail
build_dir="$1" cache_dir="$2" env_dir="$3"
bp_dir="$(cd "$(dirname "$0")/.." && pwd)"
echo "-----> Installing TinyLang 1.0"
if [ -f "$cache_dir/tinylang-1.0.tgz" ]; then
  echo "       Using the cached TinyLang"
else
  cp "$bp_dir/vendor/tinylang-1.0.tgz" "$cache_dir/"
  echo "       TinyLang 1.0 unpacked from the buildpack"
fi
mkdir -p "$build_dir/.tinylang"
tar -xzf "$cache_dir/tinylang-1.0.tgz" -C "$build_dir/.tinylang"
mkdir -p "$build_dir/.profile.d"
echo 'export PATH="$HOME/.tinylang/bin:$PATH"; export TINY_PROFILE=loaded' > "$build_dir/.profile.d/tinylang.sh"
echo "export PATH=\\"$build_dir/.tinylang/bin:\\$PATH\\"" > "$bp_dir/export"
if [ -f "$env_dir/GREETING" ]; then cp "$env_dir/GREETING" "$build_dir/greeting.txt"; else echo -n "(none)" > "$build_dir/greeting.txt"; fi
echo "       config vars seen: $(ls "$env_dir" | wc -l)"
`,
    'bin/release': `#!/usr/bin/env bash
cat <<'YAML'
---
default_process_types:
  web: tiny serve /app/page.txt
  worker: tiny version
YAML
`,
    'vendor/tinylang-1.0.tgz': { bytes: await tarballOf({ 'bin/tiny': { text: TINY, mode: 0o755 } }), mode: 0o644 },
  };
}

export const GREETER_BUILDPACK: BuildpackFiles = {
  'bin/detect': `#!/usr/bin/env bash
echo Greeter
`,
  'bin/compile': `#!/usr/bin/env bash
set -euo pipefail
build_dir="$1"
echo "-----> Writing the page with $(tiny version)"
{
  echo "hello from $(tiny version)"
  echo "greeting: $(cat "$build_dir/greeting.txt")"
  echo "source: $(cat "$build_dir/hello.tiny")"
} > "$build_dir/page.txt"
`,
};

export const PICKY_BUILDPACK: BuildpackFiles = {
  'bin/detect': `#!/usr/bin/env bash
echo "picky: this app has no picky.toml" >&2
exit 1
`,
  'bin/compile': `#!/usr/bin/env bash
echo "never runs"; exit 1
`,
};

/** The app these buildpacks build. */
export const TINY_APP: Record<string, string> = {
  'hello.tiny': 'v1\n',
  '.slugignore': '*.psd\n/docs/\n',
  'art/logo.psd': 'big binary stand-in\n',
  'docs/guide.md': 'not needed at run time\n',
};
