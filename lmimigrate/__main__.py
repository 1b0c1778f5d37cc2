import sys

from lmimigrate.cli import main

sys.exit(main())
