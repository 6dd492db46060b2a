"""`python -m copytrace` and the `copytrace` command.

`copytrace --version` answers before typer and rich are imported: it is
what scripts and package managers call most, and it should cost no more
than Python's own start.
"""

import sys


def run() -> int:
    if sys.argv[1:] == ["--version"]:
        from copytrace import __version__

        print(f"copytrace {__version__}")
        return 0
    from copytrace.faces.cli import main

    return main()


if __name__ == "__main__":
    sys.exit(run())
