import { describe, expect, it } from 'vitest';
import { hash1, zipHashFromLookup } from './dirhash.js';

describe('hash1', () => {
  it('is the base64 sha256 of the sorted "<sha256>  <name>" lines (as `sha256sum | sha256sum` computes it)', () => {
    // sha256 of "hello zip\n" and of "go " * 1000; expected value computed with coreutils
    const files = [
      { name: 'm@v1/hello.txt', sha256: 'f62afea059c7d7d3c1ca6997e2eb59dd79a9388615942bd5bf27a94485de9375' },
      { name: 'm@v1/big.txt', sha256: '69efcfdc7d0df6fdf2938b6b56c6d5acba705c4cdf3693a83fbe71a682073ead' },
    ];
    expect(hash1(files)).toBe('h1:49QhuV/izd+w/DpgVtaNPK2jrSZG081zRF1jqt/mc9o=');
    expect(hash1([...files].reverse())).toBe(hash1(files));
  });

  it('refuses a name with a newline (it would forge a summary line)', () => {
    expect(() => hash1([{ name: 'a\nb', sha256: '00' }])).toThrow(/newline/);
  });
});

describe('zipHashFromLookup', () => {
  const answer = [
    '71124599',
    'golang.org/toolchain v0.0.1-go1.27.4.linux-amd64 h1:8Tl0rBb7KdISSdPkZBjlpZxsUBb+004GI/SM2XbmSqI=',
    'golang.org/toolchain v0.0.1-go1.27.4.linux-amd64/go.mod h1:8wlg68NqwW7eMnI1aABk/C2pDYXj8mrMY4TyRfiLeS0=',
    '',
    'go.sum database tree',
  ].join('\n');

  it('takes the zip\'s hash, not the go.mod\'s', () => {
    expect(zipHashFromLookup(answer, 'golang.org/toolchain', 'v0.0.1-go1.27.4.linux-amd64')).toBe('h1:8Tl0rBb7KdISSdPkZBjlpZxsUBb+004GI/SM2XbmSqI=');
  });

  it('answers null for another version or an answer without the record', () => {
    expect(zipHashFromLookup(answer, 'golang.org/toolchain', 'v0.0.1-go1.27.3.linux-amd64')).toBeNull();
    expect(zipHashFromLookup('not found', 'golang.org/toolchain', 'v0.0.1-go1.27.4.linux-amd64')).toBeNull();
  });
});
