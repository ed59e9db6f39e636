"""Passerelle's entry point: the bot, or one of its command-line tools, each loading only what it needs (the
offline matching starts in a fraction of the server stack's import time).

python app.py     Slack over HTTP and/or Socket Mode when configured; otherwise the local console chat.
"""

import sys

USAGE = """usage: python app.py                 the bot: Slack when set up (see README), else the console chat
       python app.py match ...       an offline matching of a volunteers' CSV file (python app.py match --help)
       python app.py simulate ...    a whole programme in travelled time (python app.py simulate --help)
       python app.py teams-package   the Microsoft Teams app package to upload (python app.py teams-package --help)"""


if __name__ == "__main__":
    if sys.argv[1:2] in (["--help"], ["-h"], ["help"]):
        print(USAGE)
        sys.exit(0)
    if sys.argv[1:] and sys.argv[1] not in ("match", "simulate", "teams-package"):
        print(f"passerelle: unknown argument {sys.argv[1]!r}\n{USAGE}", file=sys.stderr)
        sys.exit(2)
    if sys.argv[1:2] == ["match"]:
        from handlers.offline import main as match_offline

        sys.exit(match_offline(sys.argv[2:]))
    if sys.argv[1:2] == ["simulate"]:
        from handlers.simulation import main as simulate

        sys.exit(simulate(sys.argv[2:]))
    if sys.argv[1:2] == ["teams-package"]:
        from handlers.teams.package import main as teams_package
        from server import read_settings

        sys.exit(teams_package(sys.argv[2:], lambda: read_settings(complete=False)))
    from server import main

    main()
