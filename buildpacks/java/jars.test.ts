import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseRunnableJar, findRunnableJars, isCandidateJar, manifestMainClass, readJarManifest } from './jars.js';

/** A zip as jar tools write one: local headers, data (stored or deflated), central directory, end record. */
function zip(entries: Record<string, string>, deflate = true): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(entries)) {
    const raw = Buffer.from(text);
    const data = deflate ? deflateRawSync(raw) : raw;
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(deflate ? 8 : 0, 10);
    header.writeUInt32LE(data.length, 20);
    header.writeUInt32LE(raw.length, 24);
    header.writeUInt16LE(nameBytes.length, 28);
    header.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    central.push(header, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const MANIFEST = 'Manifest-Version: 1.0\r\nCreated-By: Maven\r\nMain-Class: com.example.very.long.packag\r\n e.App\r\n\r\nName: other\r\nMain-Class: not.This\r\n';

describe('manifestMainClass', () => {
  it('reads the main section, joining continuation lines', () => {
    expect(manifestMainClass(MANIFEST)).toBe('com.example.very.long.package.App');
    expect(manifestMainClass('Manifest-Version: 1.0\n\nMain-Class: in.a.Section\n')).toBeNull();
    expect(manifestMainClass('Manifest-Version: 1.0\n')).toBeNull();
  });
});

describe('jars', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-jars-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads META-INF/MANIFEST.MF, deflated or stored, among other entries', async () => {
    for (const deflate of [true, false]) {
      const path = join(dir, `m-${deflate}.jar`);
      await writeFile(path, zip({ 'META-INF/': '', 'a/B.class': 'x'.repeat(1000), 'META-INF/MANIFEST.MF': MANIFEST }, deflate));
      expect(await readJarManifest(path)).toBe(MANIFEST);
    }
    await writeFile(join(dir, 'none.jar'), zip({ 'a.txt': 'a' }));
    expect(await readJarManifest(join(dir, 'none.jar'))).toBeNull();
    await writeFile(join(dir, 'junk.jar'), 'not a zip at all');
    expect(await readJarManifest(join(dir, 'junk.jar'))).toBeNull();
  });

  it('leaves out side artifacts and shade\'s original jar', () => {
    expect(['app-1.0.jar', 'original-app-1.0.jar', 'app-1.0-sources.jar', 'app-1.0-javadoc.jar', 'app-1.0-tests.jar', 'app.jar.original', 'notes.txt'].filter(isCandidateJar)).toEqual([
      'app-1.0.jar',
    ]);
  });

  it('finds the runnable jars in target/, not symlinks, not plain jars', async () => {
    const app = join(dir, 'app');
    await mkdir(join(app, 'target'), { recursive: true });
    await writeFile(join(app, 'target', 'app-1.0.jar'), zip({ 'META-INF/MANIFEST.MF': 'Main-Class: hello.App\n' }));
    await writeFile(join(app, 'target', 'original-app-1.0.jar'), zip({ 'META-INF/MANIFEST.MF': 'Main-Class: hello.App\n' }));
    await writeFile(join(app, 'target', 'lib-1.0.jar'), zip({ 'META-INF/MANIFEST.MF': 'Manifest-Version: 1.0\n' }));
    await symlink(join(app, 'target', 'app-1.0.jar'), join(app, 'target', 'link.jar'));
    expect(await findRunnableJars(app)).toEqual([{ path: 'target/app-1.0.jar', mainClass: 'hello.App' }]);
    expect(await findRunnableJars(join(dir, 'no-such-app'))).toEqual([]);
    const linked = join(dir, 'linked');
    await mkdir(linked);
    await symlink(join(app, 'target'), join(linked, 'target'));
    expect(await findRunnableJars(linked)).toEqual([]);
  });

  it('chooses the one runnable jar, and none when there are several', () => {
    expect(chooseRunnableJar([])).toEqual({ kind: 'none' });
    expect(chooseRunnableJar([{ path: 'target/a.jar', mainClass: 'A' }])).toEqual({ kind: 'one', path: 'target/a.jar', mainClass: 'A' });
    expect(chooseRunnableJar([{ path: 'target/b.jar', mainClass: 'B' }, { path: 'target/a.jar', mainClass: 'A' }])).toEqual({ kind: 'many', paths: ['target/a.jar', 'target/b.jar'] });
  });
});
