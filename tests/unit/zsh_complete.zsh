# Drives an interactive zsh in a pseudo-terminal (zsh/zpty) and prints, for each line given,
# the command line after one TAB: what a user would see.
# Usage: zsh -f zsh_complete.zsh FPATH_DIR LINE...
# Every step waits for the shell's own output (a prompt, a marker), never for a time.
zmodload zsh/zpty
fp=$1; shift
ready() { zpty -r -m z junk '*READY> *' || { print -u2 "no prompt"; exit 1; } }
zpty -b z zsh -f -i
zpty -w z "PS1='READY> '; fpath=($fp \$fpath); autoload -U compinit; compinit -u -D"
ready
# A stand-in command (completion needs no real one); single matches only, no menus or bells.
zpty -w z 'mailq-tui() { :; }; zstyle ":completion:*" menu no; unsetopt beep'
ready
# Ctrl-X Ctrl-D prints the command line between markers (the echo of this line has "<<""<").
zpty -w z '_dump() { zle -I; print -r -- "<<""<${BUFFER}>>>"; BUFFER=; }; zle -N _dump; bindkey "^X^D" _dump'
ready
for line in "$@"; do
  zpty -w -n z "$line"$'\t\C-x\C-d'
  zpty -r -m z out '*<<<*>>>*' || { print -u2 "no answer for: $line"; exit 1; }
  out=${out##*<<<}
  print -r -- "${out%%>>>*}"
done
zpty -d z
