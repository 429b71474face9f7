# Drives an interactive zsh in a pseudo-terminal (zsh/zpty) and prints, for each line given,
# the command line after one TAB: what a user would see.
# Usage: zsh -f zsh_complete.zsh FPATH_DIR LINE...
# Every step waits for the shell's own output (a numbered prompt, a marker), never for a time.
# Keys are sent only while the line editor is active: typed while a command runs, they would
# go through the terminal's line discipline (which eats Ctrl-D) instead.
zmodload zsh/zpty
fp=$1; shift
# Reads the shell's output into $out until it matches the pattern $1 (blocks until then).
expect() {
  zpty -r -m z out "$1" || { print -u2 -r -- "no ${(q)1} in: ${(q+)out}"; exit 1; }
}
prompts=0
# Waits for the next prompt: each has its own number, so a prompt drawn twice cannot be
# mistaken for the next one.
ready() {
  expect "*READY$prompts> *"
  (( prompts++ ))
}
zpty -b z 'PS1="READY0> " zsh -f -i'
ready
run() { zpty -w z "$1"; ready; }
run 'n=0; precmd() { PS1="READY$((++n))> " }'
run "fpath=($fp \$fpath); autoload -U compinit; compinit -u -D"
# A stand-in command (completion needs no real one); single matches only, no menus or bells.
run 'mailq-tui() { :; }; zstyle ":completion:*" menu no; unsetopt beep'
# Ctrl-X Ctrl-D is TAB, then shows the command line between markers (the echo of this line
# has "<<""<"). One key for both: zsh's completion may stop early when keys are waiting. The
# line is shown with "zle -M", under the prompt: printing (after "zle -I") would put the
# terminal back into line mode for a moment, where the next line's Ctrl-D is eaten.
run '_tab_dump() { zle expand-or-complete; zle -M "<<""<${BUFFER}>>>"; BUFFER=; }'
run 'zle -N _tab_dump; bindkey "^X^D" _tab_dump'
for line in "$@"; do
  zpty -w -n z "$line"$'\C-x\C-d'
  expect '*<<<*>>>*'
  out=${out##*<<<}
  print -r -- "${out%%>>>*}"
done
zpty -d z
