import { describe, expect, it } from 'vitest';
import { parseProperties } from './properties.js';

describe('parseProperties', () => {
  it('reads the separators, comments and escapes Java allows', () => {
    const text = [
      '# a comment',
      '! another',
      '',
      'java.runtime.version=17',
      'maven.version : 3.9.16',
      'spaced value with  spaces',
      '  indented=yes  ',
      'long=first \\',
      '    second',
      'escaped\\=key=a\\tb\\u0041',
      'empty=',
    ].join('\n');
    expect(Object.fromEntries(parseProperties(text))).toEqual({
      'java.runtime.version': '17',
      'maven.version': '3.9.16',
      spaced: 'value with  spaces',
      indented: 'yes',
      long: 'first second',
      'escaped=key': 'a\tbA',
      empty: '',
    });
  });

  it('reads CRLF files and the wrapper\'s URL (colons in the value)', () => {
    const properties = parseProperties('wrapperVersion=3.3.2\r\ndistributionUrl=https://repo.maven.apache.org/maven2/org/apache/maven/apache-maven/3.9.9/apache-maven-3.9.9-bin.zip\r\n');
    expect(properties.get('distributionUrl')).toBe('https://repo.maven.apache.org/maven2/org/apache/maven/apache-maven/3.9.9/apache-maven-3.9.9-bin.zip');
    expect(properties.get('wrapperVersion')).toBe('3.3.2');
  });
});
