"""Our copy of slack_sdk's store tables (storage/slack_tables.py) is exactly what its SQLAlchemy stores build.

The migrations are compared with these tables in test_storage.py; here they are compared with slack_sdk's, so that
an upgrade of slack_sdk that changes its tables fails here rather than in production.
"""

import pytest
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, Table
from sqlalchemy.schema import CreateIndex, CreateTable

from storage import slack_tables


def theirs() -> dict[str, Table]:
    metadata = MetaData()
    return {
        "slack_installations": SQLAlchemyInstallationStore.build_installations_table(metadata, "slack_installations"),
        "slack_bots": SQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots"),
        "slack_oauth_states": SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states"),
    }


@pytest.mark.parametrize("ours", [slack_tables.installations, slack_tables.bots, slack_tables.oauth_states])
def test_each_table_is_slack_sdks_column_for_column(ours: Table) -> None:
    table = theirs()[ours.name]
    assert str(CreateTable(ours)) == str(CreateTable(table))
    assert sorted(str(CreateIndex(i)) for i in ours.indexes) == sorted(str(CreateIndex(i)) for i in table.indexes)
    assert [(c.name, c.default is not None) for c in ours.columns] == [
        (c.name, c.default is not None) for c in table.columns
    ]
