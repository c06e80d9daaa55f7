"""Piccolo's project config, for the `piccolo` CLI (migrations).

Reading ``DATABASE_URL`` at import time is Piccolo's convention and is confined to this module;
the app itself configures its engine from its ``Settings`` (``issuer.db.engine.configure``).
"""
import os

from piccolo.conf.apps import AppRegistry

from issuer.db.engine import engine_for_url
from issuer.settings import Settings

DB = engine_for_url(Settings.from_env(os.environ).database_url)

APP_REGISTRY = AppRegistry(apps=["issuer.db.piccolo_app"])
