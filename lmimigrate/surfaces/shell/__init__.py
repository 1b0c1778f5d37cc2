"""Shell text: the lexer (`lexer`), word syntaxes of hosts that write word lists (`words`), vLLM launch
recognition (`launch`) and its command-line scope (`cli`), the env scope of shell-family files (`env`) and the
shell script surface (`script`)."""
