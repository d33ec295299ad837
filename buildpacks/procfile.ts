// Procfile parsing (pure): `type: command` per line; blank lines and `#` comments ignored;
// anything else reported with its line number rather than silently dropped.
import { processTypeProblem } from '../common/names.js';

export interface ProcfileProblem {
  line: number;
  text: string;
  reason: string;
}

export interface Procfile {
  processTypes: Record<string, string>;
  problems: ProcfileProblem[];
}

const LINE = /^([^:\s]+)\s*:\s*(.*)$/;

export function parseProcfile(text: string): Procfile {
  const processTypes: Record<string, string> = {};
  const problems: ProcfileProblem[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const problem = (reason: string) => problems.push({ line: index + 1, text: raw, reason });
    const match = LINE.exec(line);
    if (!match) return problem('expected "type: command"');
    const [, type, command] = match as unknown as [string, string, string];
    const typeProblem = processTypeProblem(type);
    if (typeProblem) return problem(typeProblem);
    if (command.trim() === '') return problem(`process type "${type}" has no command`);
    if (Object.hasOwn(processTypes, type)) return problem(`process type "${type}" is declared twice`);
    processTypes[type] = command.trim();
  });
  return { processTypes, problems };
}

/** The problems as lines a user can act on. */
export function describeProcfileProblems(problems: readonly ProcfileProblem[]): string[] {
  return problems.map((p) => `Procfile line ${p.line}: ${p.reason}: ${p.text.trim()}`);
}
