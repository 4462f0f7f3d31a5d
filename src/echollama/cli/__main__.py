import sys

from echollama.cli.main import main

sys.exit(main())
