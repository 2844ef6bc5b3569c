# bash completion for bpfprof (installed by make install as
# share/bash-completion/completions/bpfprof). Commands, then each command's
# options as its --help lists them; files where a value is a path.
_bpfprof()
{
	local cur prev cmd opts
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "record serve convert diff symbolize version --help" -- "$cur"))
		return
	fi
	cmd=${COMP_WORDS[1]}
	case $prev in
	-o|--output|--token-file|--config|-D|--data-dir|--debug-root|-e|--exe)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	-f|--format)
		COMPREPLY=($(compgen -W "folded pprof html json" -- "$cur"))
		return ;;
	--unwind)
		COMPREPLY=($(compgen -W "auto dwarf fp" -- "$cur"))
		return ;;
	--call-graph)
		COMPREPLY=($(compgen -W "dwarf fp" -- "$cur"))
		return ;;
	-p|--pid)
		COMPREPLY=($(compgen -W "$(ls /proc | grep -E '^[0-9]+$')" -- "$cur"))
		return ;;
	esac
	if [[ $cur == -* ]]; then
		# the options of the command, from its own --help
		opts=$(bpfprof "$cmd" --help 2>/dev/null | grep -oE -- '--[a-z][a-z-]*' | sort -u)
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	case $cmd in
	convert|diff|symbolize) COMPREPLY=($(compgen -f -- "$cur")) ;;
	esac
}
complete -F _bpfprof bpfprof
