import { describe, expect, it } from 'vitest';
import { buildArgs, dockerCommands, pushedImageName } from './container.js';

describe('container commands as data', () => {
  it('logs in with the token on stdin, never in argv', () => {
    expect(dockerCommands.login('127.0.0.1:5792')).toEqual(['docker', 'login', '127.0.0.1:5792', '--username', '_', '--password-stdin']);
  });

  it("builds, pushes and inspects the app's image of a process type", () => {
    const image = pushedImageName('127.0.0.1:5792', 'shop', 'web');
    expect(image).toBe('127.0.0.1:5792/shop/web');
    expect(dockerCommands.build([image], 'Dockerfile', '.')).toEqual(['docker', 'build', '--file', 'Dockerfile', '--tag', '127.0.0.1:5792/shop/web', '.']);
    // Several process types: one build, one name per type.
    expect(dockerCommands.build([image, pushedImageName('127.0.0.1:5792', 'shop', 'worker')], 'Dockerfile.web', '.')).toEqual([
      'docker', 'build', '--file', 'Dockerfile.web', '--tag', '127.0.0.1:5792/shop/web', '--tag', '127.0.0.1:5792/shop/worker', '.',
    ]);
    expect(dockerCommands.build([image], 'Dockerfile', '.', buildArgs('BASE=reg/stack:bookworm, FLAVOUR=x'))).toEqual([
      'docker', 'build', '--file', 'Dockerfile', '--build-arg', 'BASE=reg/stack:bookworm', '--build-arg', 'FLAVOUR=x', '--tag', '127.0.0.1:5792/shop/web', '.',
    ]);
    expect(() => buildArgs('NOEQUALS')).toThrow(/is not KEY=VALUE/);
    expect(dockerCommands.push(image)).toEqual(['docker', 'push', '127.0.0.1:5792/shop/web']);
    expect(dockerCommands.imageId(image)).toEqual(['docker', 'image', 'inspect', '--format', '{{.Id}}', '127.0.0.1:5792/shop/web']);
  });
});
