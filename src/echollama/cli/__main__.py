from echollama.cli.main import entry

entry()
