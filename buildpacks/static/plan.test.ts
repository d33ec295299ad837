import { describe, expect, it } from 'vitest';
import { buildStepFor, chooseRoot, detectStaticSite, staticProcessTypes, startNginxScript, START_NGINX } from './plan.js';

const files = (...names: string[]) => new Set(names);
const node = { id: 'node', detect: (f: ReadonlySet<string>) => f.has('package.json') };
const python = { id: 'python', detect: (f: ReadonlySet<string>) => f.has('requirements.txt') };

describe('detectStaticSite', () => {
  it('says yes to static.json, whatever else is there', () => {
    expect(detectStaticSite(files('static.json'), [node])).toBe(true);
    expect(detectStaticSite(files('static.json', 'package.json', 'index.html'), [node])).toBe(true);
  });

  it('says yes to an index.html only when no language claims the app', () => {
    expect(detectStaticSite(files('index.html', 'style.css'), [node, python])).toBe(true);
    expect(detectStaticSite(files('index.html', 'package.json'), [node, python])).toBe(false);
    expect(detectStaticSite(files('index.html', 'requirements.txt'), [node, python])).toBe(false);
  });

  it('says no to anything else', () => {
    expect(detectStaticSite(files('about.html', 'README.md'), [node])).toBe(false);
    expect(detectStaticSite(files(), [node])).toBe(false);
  });
});

describe('buildStepFor', () => {
  it('is the first language that detects the app, or none', () => {
    expect(buildStepFor(files('static.json', 'package.json'), [python, node])).toBe(node);
    expect(buildStepFor(files('static.json', 'index.html'), [python, node])).toBeNull();
  });
});

describe('chooseRoot', () => {
  const dirs = (...names: string[]) => new Set(names);
  it('takes static.json\'s root as it is', () => {
    expect(chooseRoot({ configured: 'site', built: true, rootIndex: true, directories: dirs('dist') })).toBe('site');
  });

  it('after a build step, serves its output (dist, then public, then public_html), not the source index.html', () => {
    expect(chooseRoot({ built: true, rootIndex: true, directories: dirs('dist', 'public') })).toBe('dist');
    expect(chooseRoot({ built: true, rootIndex: true, directories: dirs('public', 'src') })).toBe('public');
    expect(chooseRoot({ built: true, rootIndex: false, directories: dirs('public_html') })).toBe('public_html');
    expect(chooseRoot({ built: true, rootIndex: true, directories: dirs('src') })).toBeNull();
  });

  it('without a build step, serves the app itself when it has an index.html, else a committed output directory', () => {
    expect(chooseRoot({ built: false, rootIndex: true, directories: dirs('public') })).toBe('.');
    expect(chooseRoot({ built: false, rootIndex: false, directories: dirs('public') })).toBe('public');
  });
});

describe('staticProcessTypes', () => {
  it('runs nginx as web unless the Procfile says otherwise, keeping its other types', () => {
    expect(staticProcessTypes(null)).toEqual({ web: START_NGINX });
    expect(staticProcessTypes({ worker: 'bash worker.sh' })).toEqual({ web: START_NGINX, worker: 'bash worker.sh' });
    expect(staticProcessTypes({ web: 'bash serve.sh' })).toEqual({ web: 'bash serve.sh' });
  });
});

describe('startNginxScript', () => {
  it('turns the platform\'s SIGTERM into nginx\'s graceful shutdown (SIGQUIT)', () => {
    expect(startNginxScript()).toContain('trap \'kill -QUIT "$nginx" 2>/dev/null || true\' TERM INT');
  });

  it('writes only the listen line under /tmp and runs nginx with errors to stderr, passing arguments on', () => {
    const script = startNginxScript();
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(script).toContain("printf 'listen %s;\\n' \"$port\" > /tmp/slipway-nginx/listen.conf");
    expect(script).toContain('nginx -p /tmp/slipway-nginx/ -e stderr -c /layers/static/nginx.conf "$@" &');
    expect(script).toContain('[[ ! "$port" =~ ^[0-9]{1,5}$ ]]');
  });
});
