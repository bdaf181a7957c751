"""Build the application from the environment, for uvicorn's worker processes.

`partystar-sandbox serve` sets these variables, then starts uvicorn with
`mockserver.server:app_from_environment` as a factory, so that every worker
process builds the same application on the same database.
"""

import os

from starlette.applications import Starlette

from mockserver.app import create_app
from mockserver.config import load_config
from mockserver.storage import open_storage

CONFIG_VARIABLE = "PARTYSTAR_SANDBOX_CONFIG"
DATABASE_VARIABLE = "PARTYSTAR_SANDBOX_DATABASE"
DEFAULT_DATABASE = "partystar-sandbox.db"


def app_from_environment() -> Starlette:
    config = load_config(os.environ.get(CONFIG_VARIABLE) or None)
    database = os.environ.get(DATABASE_VARIABLE) or DEFAULT_DATABASE
    return create_app(config, open_storage(database))
