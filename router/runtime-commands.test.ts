import { describe, expect, it } from 'vitest';
import { answerOk, commandsFor, parseMap, parseServerSessions, parseServersState, token } from './runtime-commands.js';

const context = { hostsMapPath: '/state/hosts.map', healthCheckIntervalMs: 2000 };
const server = { name: 's4', appName: 'shop', instanceId: 'web.1', address: '127.0.0.1', port: 5001, drainingSince: null };

describe('Runtime API commands', () => {
  it('adds a server with health checks, a recheck on refused connections and a connection pool, then enables it', () => {
    expect(commandsFor({ type: 'add-server', slot: 'slot_2', server }, context).map((c) => c.line)).toEqual([
      'add server slot_2/s4 127.0.0.1:5001 check inter 2000ms fastinter 250ms fall 2 rise 2 observe layer4 error-limit 1 on-error fastinter pool-max-conn -1 pool-purge-delay 5s',
      'enable health slot_2/s4',
      'enable server slot_2/s4',
    ]);
    expect(commandsFor({ type: 'add-server', slot: 'slot_2', server: { ...server, address: '::1' } }, context)[0]!.line).toContain(' [::1]:5001 ');
  });

  it('drains, readies and deletes servers', () => {
    expect(commandsFor({ type: 'drain-server', slot: 'slot_2', server: 's4', at: 0 }, context)[0]!.line).toBe('set server slot_2/s4 state drain');
    expect(commandsFor({ type: 'ready-server', slot: 'slot_2', server: 's4' }, context)[0]!.line).toBe('set server slot_2/s4 state ready');
    expect(commandsFor({ type: 'delete-server', slot: 'slot_2', server: 's4', force: true }, context).map((c) => c.line)).toEqual([
      'set server slot_2/s4 state maint',
      'shutdown sessions server slot_2/s4',
      'del server slot_2/s4',
    ]);
  });

  it('maps hostnames in place, falling back to add when the entry is missing', () => {
    const [set] = commandsFor({ type: 'set-host', hostname: 'a.localhost', slot: 'slot_1', replace: true }, context);
    expect(set!.line).toBe('set map /state/hosts.map a.localhost slot_1');
    expect(set!.fallback?.command.line).toBe('add map /state/hosts.map a.localhost slot_1');
    expect(commandsFor({ type: 'delete-host', hostname: 'a.localhost' }, context)[0]!.line).toBe('del map /state/hosts.map a.localhost');
    expect(commandsFor({ type: 'assign-slot', slot: 'slot_1', appName: 'a' }, context)).toEqual([]);
  });

  it('refuses values that could inject a second command', () => {
    expect(() => token('a.localhost; del map x')).toThrow(/unsafe token/);
    expect(() => commandsFor({ type: 'delete-host', hostname: 'evil\nshow info' }, context)).toThrow(/unsafe token/);
  });

  it('tells success from failure by HAProxy answer', () => {
    const [add] = commandsFor({ type: 'add-server', slot: 'slot_2', server }, context);
    expect(answerOk(add!, 'New server registered.\n')).toBe(true);
    expect(answerOk(add!, 'Already exists a server with the same name in backend.\n')).toBe(false);
    const del = commandsFor({ type: 'delete-server', slot: 'slot_2', server: 's4', force: false }, context).at(-1)!;
    expect(answerOk(del, 'No such server.\n')).toBe(true);
    expect(answerOk(del, 'Server still has connections attached to it, cannot remove it.\n')).toBe(false);
  });
});

describe('parsing HAProxy answers', () => {
  it('reads sessions per server from show stat', () => {
    const csv = '# pxname,svname,qcur,qmax,scur,smax\nslot_0,s1,0,0,3,4\nslot_0,BACKEND,0,0,3,4\n';
    expect(parseServerSessions(csv).get('slot_0/s1')).toBe(3);
  });

  it('reads show map', () => {
    expect(parseMap('0x55d0 a.localhost slot_0\n0x55d1 b.localhost slot_1\n')).toEqual(new Map([['a.localhost', 'slot_0'], ['b.localhost', 'slot_1']]));
  });

  it('reads show servers state, with the drain flag', () => {
    const output = '1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state ...\n3 slot_0 1 s1 127.0.0.1 2 8 1 1 5 6 3 4 6 0 0 0 - 5001 - 0 0 - - 0\n3 slot_0 2 s2 127.0.0.1 2 0 1 1 5 6 3 4 6 0 0 0 - 5002 - 0 0 - - 0\n';
    expect(parseServersState(output)).toEqual([
      { backend: 'slot_0', server: 's1', address: '127.0.0.1', port: 5001, draining: true },
      { backend: 'slot_0', server: 's2', address: '127.0.0.1', port: 5002, draining: false },
    ]);
  });
});
