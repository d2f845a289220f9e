from outrank_cli.cli import main

main()
