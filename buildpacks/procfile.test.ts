import { describe, expect, it } from 'vitest';
import { describeProcfileProblems, parseProcfile } from './procfile.js';

describe('parseProcfile', () => {
  it('reads type: command lines, ignoring comments and blank lines', () => {
    const parsed = parseProcfile('# processes\nweb: node server.js --port $PORT\n\n  worker:node worker.js  \r\nrelease: npm run migrate\n');
    expect(parsed).toEqual({
      processTypes: { web: 'node server.js --port $PORT', worker: 'node worker.js', release: 'npm run migrate' },
      problems: [],
    });
  });

  it('keeps colons inside commands', () => {
    expect(parseProcfile('web: node -e "console.log(1)" host:port').processTypes.web).toBe('node -e "console.log(1)" host:port');
  });

  it('reports invalid lines with their line numbers and keeps the valid ones', () => {
    const parsed = parseProcfile('web: node server.js\nthis is not a process\nWeb Server: x\nclock:\nweb: again\n');
    expect(parsed.processTypes).toEqual({ web: 'node server.js' });
    expect(parsed.problems.map((p) => [p.line, p.reason])).toEqual([
      [2, 'expected "type: command"'],
      [3, 'expected "type: command"'],
      [4, 'process type "clock" has no command'],
      [5, 'process type "web" is declared twice'],
    ]);
    expect(describeProcfileProblems(parsed.problems)[0]).toBe('Procfile line 2: expected "type: command": this is not a process');
  });

  it('rejects process type names the formation cannot hold', () => {
    const parsed = parseProcfile('Web: node server.js\n9lives: x\n');
    expect(parsed.processTypes).toEqual({});
    expect(parsed.problems.map((p) => p.line)).toEqual([1, 2]);
  });

  it('parses an empty Procfile to no processes', () => {
    expect(parseProcfile('')).toEqual({ processTypes: {}, problems: [] });
  });
});
