"""The process: `main()` reads the settings and serves the app `bootstrap.build` composes."""

import logging
import sys

from complaint_runtime import configure_logging, serve

from .bootstrap import SERVICE, build
from .domain import PolicyError
from .service_layer import ConfigurationError
from .settings import ClassifierSettings

__all__ = ["build", "main"]
log = logging.getLogger("complaints.classifier")


def main() -> None:
    settings = ClassifierSettings()
    configure_logging(SERVICE, settings.log_level)
    try:
        app = build(settings)
    except (PolicyError, ConfigurationError) as error:
        log.error("cannot start: unusable policy configuration", extra={"problems": str(error)})
        print(f"complaint-classifier: cannot start:\n{error}", file=sys.stderr)
        sys.exit(2)
    serve(app, settings)
