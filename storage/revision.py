"""Write a new Alembic migration from the difference between the models and the migrations so far.

python -m storage.revision "add sessions"
"""

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

from storage.db import MIGRATIONS, make_engine, migrate


def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        # A scratch database at the latest revision is what the models are compared with.
        engine = make_engine(f"sqlite:///{Path(folder) / 'scratch.db'}")
        migrate(engine)
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            number = len(list((MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))) + 1
            command.revision(config, message=message, autogenerate=True, rev_id=f"{number:04d}")
        engine.dispose()


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]) or "schema change")
