import { describe, expect, it } from 'vitest';
import { checksumLookupUrl, neededForBuilds, toolchainDir, toolchainEntryPlacement, toolchainUrl } from './toolchain.js';

describe('toolchain URLs and paths', () => {
  it('asks the proxy for the module and the checksum database through it', () => {
    expect(toolchainUrl('https://proxy.golang.org', 'list')).toBe('https://proxy.golang.org/golang.org/toolchain/@v/list');
    expect(toolchainUrl('https://proxy.golang.org', 'v0.0.1-go1.22.5.linux-amd64.zip')).toBe(
      'https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go1.22.5.linux-amd64.zip',
    );
    expect(checksumLookupUrl('https://proxy.golang.org', 'v0.0.1-go1.22.5.linux-amd64')).toBe(
      'https://proxy.golang.org/sumdb/sum.golang.org/lookup/golang.org/toolchain@v0.0.1-go1.22.5.linux-amd64',
    );
  });

  it('keeps each version in the global runtimes cache', () => {
    expect(toolchainDir('/srv/cache', '1.22.5')).toBe('/srv/cache/runtimes/go-1.22.5');
  });
});

describe('toolchainEntryPlacement', () => {
  const version = 'v0.0.1-go1.22.5.linux-amd64';
  it('strips the module directory and makes programs executable', () => {
    expect(toolchainEntryPlacement(`golang.org/toolchain@${version}/bin/go`, version)).toEqual({ path: 'bin/go', mode: 0o755 });
    expect(toolchainEntryPlacement(`golang.org/toolchain@${version}/pkg/tool/linux_amd64/compile`, version)).toEqual({
      path: 'pkg/tool/linux_amd64/compile',
      mode: 0o755,
    });
    expect(toolchainEntryPlacement(`golang.org/toolchain@${version}/src/fmt/print.go`, version)).toEqual({ path: 'src/fmt/print.go', mode: 0o644 });
  });

  it('refuses names outside the module directory or climbing out of it', () => {
    expect(toolchainEntryPlacement('elsewhere/bin/go', version)).toBeNull();
    expect(toolchainEntryPlacement(`golang.org/toolchain@${version}/../../etc/passwd`, version)).toBeNull();
    expect(toolchainEntryPlacement(`golang.org/toolchain@${version}/src/`, version)).toBeNull();
  });
});

describe('neededForBuilds', () => {
  it('leaves out the standard library\'s tests and their data, nothing else', () => {
    expect(neededForBuilds('src/net/http/server_test.go')).toBe(false);
    expect(neededForBuilds('src/image/png/testdata/pngsuite/basn0g01.png')).toBe(false);
    expect(neededForBuilds('src/net/http/server.go')).toBe(true);
    expect(neededForBuilds('src/cmd/go/main.go')).toBe(true);
    expect(neededForBuilds('bin/go')).toBe(true);
    expect(neededForBuilds('pkg/tool/linux_amd64/compile')).toBe(true);
    expect(neededForBuilds('lib/time/zoneinfo.zip')).toBe(true);
    // only inside the standard library's sources
    expect(neededForBuilds('misc/testdata/x')).toBe(true);
  });
});
