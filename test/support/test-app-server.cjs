// The test app baked into the image by test-image.ts as /app/server.js (plain CommonJS: it
// runs inside the container on the bare node binary, with no package.json). It binds $PORT
// and offers hooks that tests drive:
//   GET /            → "hello from <DYNO>"
//   GET /crash       → exits with code 3 right after answering
//   GET /env/<NAME>  → the value of env var NAME (404 when unset)
//   GET /uid         → the uid and gid the process runs as
//   GET /oom         → allocates memory until the kernel kills it (the memory limit)
//   GET /cpu-limit   → the CPU limit its cgroup enforces now, in CPUs ("max" for none)
//   CRASH_ON_BOOT=1  → exits with code 1 at once
//   NO_BIND=1        → stays alive but never listens
//   BIND_AFTER_MS=n  → listens only n ms after it starts (a slow boot)
//   IGNORE_SIGTERM=1 → ignores SIGTERM (only SIGKILL stops it)
const { createServer } = require('node:http');
const { readFileSync } = require('node:fs');

/** The CFS quota of this process's cgroup (v2's cpu.max, else v1's pair of files), in CPUs. */
function cpuLimit() {
  const read = (path) => {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch {
      return null;
    }
  };
  const v2 = read('/sys/fs/cgroup/cpu.max');
  const [quota, period] = v2 ? v2.split(' ') : [read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'), read('/sys/fs/cgroup/cpu/cpu.cfs_period_us')];
  return quota === 'max' || quota === '-1' || quota === null ? 'max' : String(Number(quota) / Number(period));
}

const dyno = process.env.DYNO ?? 'unknown';
const port = Number(process.env.PORT ?? 5000);

console.log(`booting ${dyno}`);

if (process.env.CRASH_ON_BOOT === '1') {
  console.error('crashing on boot as asked (CRASH_ON_BOOT=1)');
  process.exit(1);
}

process.on('SIGTERM', () => {
  if (process.env.IGNORE_SIGTERM === '1') {
    console.log('received SIGTERM, ignoring it');
    return;
  }
  console.log('received SIGTERM, exiting');
  process.exit(0);
});

if (process.env.NO_BIND === '1') {
  console.log('not binding $PORT as asked (NO_BIND=1)');
  setInterval(() => {}, 60_000);
} else {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://app');
    console.log(`${req.method} ${url.pathname}`);
    if (url.pathname === '/crash') {
      res.end('crashing\n', () => {
        console.error('crashing as asked (/crash)');
        process.exit(3);
      });
      return;
    }
    if (url.pathname.startsWith('/env/')) {
      const value = process.env[decodeURIComponent(url.pathname.slice('/env/'.length))];
      res.statusCode = value === undefined ? 404 : 200;
      res.end(value ?? '');
      return;
    }
    if (url.pathname === '/oom') {
      res.end('allocating\n', () => {
        const hoard = [];
        // Off-heap buffers, touched so the pages are real: the cgroup limit, not V8's, is hit.
        setInterval(() => hoard.push(Buffer.alloc(16 * 1024 * 1024, 1)), 10);
      });
      return;
    }
    if (url.pathname === '/cpu-limit') {
      res.end(cpuLimit());
      return;
    }
    if (url.pathname === '/uid') {
      res.end(`${process.getuid()}:${process.getgid()}`);
      return;
    }
    res.end(`hello from ${dyno}\n`);
  });
  setTimeout(() => server.listen(port, () => console.log(`listening on ${port}`)), Number(process.env.BIND_AFTER_MS ?? 0));
}
