"""``python -m agent.surfaces.cli``: the same as the ``limner`` command."""

from agent.surfaces.cli import main

if __name__ == "__main__":
    main()
