// The scripts `lazyoci completion SHELL` prints. They only hand the words so far to
// `lazyoci __complete SHELL -- WORDS…` and show its lines; every decision is made there.
// An empty answer lets the shell complete file names.

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

const BASH = `# lazyoci completion for bash: source <(lazyoci completion bash)
_lazyoci() {
  local IFS=$'\\n'
  COMPREPLY=($(lazyoci __complete bash -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _lazyoci lazyoci
`;

const ZSH = `#compdef lazyoci
# lazyoci completion for zsh: source <(lazyoci completion zsh)
_lazyoci() {
  local -a found
  found=("\${(@f)$(lazyoci __complete zsh -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  found=("\${(@)found:#}")
  if (( \${#found} )); then compadd -Q -- "\${found[@]}"; else _files; fi
}
if (( $+functions[compdef] )); then compdef _lazyoci lazyoci; fi
`;

const FISH = `# lazyoci completion for fish: lazyoci completion fish | source
function __lazyoci_complete
    set -l found (lazyoci __complete fish -- (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)
    if test (count $found) -gt 0
        printf '%s\\n' $found
    else
        __fish_complete_path (commandline -ct)
    end
end
complete -c lazyoci -f -a '(__lazyoci_complete)'
`;

export function completionScript(shell: Shell): string {
  return { bash: BASH, zsh: ZSH, fish: FISH }[shell];
}
