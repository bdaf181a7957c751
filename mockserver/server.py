"""Build the application from the environment, for uvicorn's worker processes.

`partystar-sandbox serve` sets these variables, then starts uvicorn with
`mockserver.server:app_from_environment` as a factory, so that every worker
process builds the same application on the same database.
"""

import os

from mockserver.admin.token import configured_admin_token
from mockserver.app import create_app
from mockserver.config import load_config
from mockserver.faults.close_connection import CloseConnectionApp, quiet_uvicorn_close_log
from mockserver.storage import open_storage

CONFIG_VARIABLE = "PARTYSTAR_SANDBOX_CONFIG"
DATABASE_VARIABLE = "PARTYSTAR_SANDBOX_DATABASE"
DEFAULT_DATABASE = "partystar-sandbox.db"


def app_from_environment() -> CloseConnectionApp:
    config = load_config(os.environ.get(CONFIG_VARIABLE) or None)
    database = os.environ.get(DATABASE_VARIABLE) or DEFAULT_DATABASE
    quiet_uvicorn_close_log()
    app = create_app(config, open_storage(database), admin_token=configured_admin_token(config.settings))
    return CloseConnectionApp(app)
