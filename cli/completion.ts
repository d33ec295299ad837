// `slipway completion bash|zsh`: a shell completion script made from the command tree itself,
// so every command and flag is offered and none is forgotten when one is added. Pure.
import type { Command } from 'commander';

export interface CompletionTree {
  commands: string[];
  /** Each command's long flags (`--app`, `--json`, ...). */
  flags: Record<string, string[]>;
}

export function completionTree(program: Command): CompletionTree {
  const commands = program.commands.map((command) => command.name()).sort();
  const flags: Record<string, string[]> = {};
  for (const command of program.commands) flags[command.name()] = command.options.flatMap((option) => (option.long ? [option.long] : [])).sort();
  return { commands, flags };
}

const shellWord = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** Bash's completion function (zsh runs it through bashcompinit). Words are completed whole,
 *  colons included (`apps:in` → `apps:info`), whatever COMP_WORDBREAKS says. */
export function bashCompletion(tree: CompletionTree, command = 'slipway'): string {
  const fn = `_${command.replace(/-/g, '_')}`;
  const cases = tree.commands
    .filter((command) => (tree.flags[command] ?? []).length > 0)
    .map((command) => `    ${shellWord(command)}) words=${shellWord((tree.flags[command] ?? []).join(' '))} ;;`)
    .join('\n');
  return `# ${command} completion for bash: eval "$(${command} completion bash)"
${fn}() {
  local line=\${COMP_LINE:0:$COMP_POINT}
  local cur=\${line##*[[:space:]]}
  local -a parts
  read -r -a parts <<< "$line"
  local words
  if [[ \${#parts[@]} -le 1 || ( \${#parts[@]} -eq 2 && -n $cur ) ]]; then
    words=${shellWord(tree.commands.join(' '))}
  else
    case "\${parts[1]}" in
${cases}
    *) words='' ;;
    esac
  fi
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
  # bash splits words at ':': offer only what follows the part already split off
  if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
    local done_part=\${cur%"\${cur##*:}"}
    COMPREPLY=( "\${COMPREPLY[@]#"$done_part"}" )
  fi
}
complete -F ${fn} ${command}
`;
}

export function zshCompletion(tree: CompletionTree, command = 'slipway'): string {
  return `# ${command} completion for zsh: eval "$(${command} completion zsh)"
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(tree, command)}`;
}
