import { describe, expect, it } from 'vitest';
import { splitRedisCliWords } from './addon-clients.js';

describe('redis:cli words', () => {
  it('takes the first word as the add-on only when it names one, never a Redis command', () => {
    expect(splitRedisCliWords([])).toEqual({ command: [] });
    expect(splitRedisCliWords(['REDIS'])).toEqual({ addon: 'REDIS', command: [] });
    expect(splitRedisCliWords(['HEROKU_REDIS_AMBER_URL', 'GET', 'k'])).toEqual({ addon: 'HEROKU_REDIS_AMBER_URL', command: ['GET', 'k'] });
    expect(splitRedisCliWords(['redis-quiet-12345', 'DBSIZE'])).toEqual({ addon: 'redis-quiet-12345', command: ['DBSIZE'] });
    expect(splitRedisCliWords(['GET', 'REDIS'])).toEqual({ command: ['GET', 'REDIS'] });
    expect(splitRedisCliWords(['SET', 'k', 'v'])).toEqual({ command: ['SET', 'k', 'v'] });
  });
});
