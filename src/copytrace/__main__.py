"""`python -m copytrace`: the same command as `copytrace`."""

import sys

from copytrace.faces.cli import main

sys.exit(main())
