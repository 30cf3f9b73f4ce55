"""The process: `main()` reads the settings and serves the app `bootstrap.build` composes."""

from complaint_runtime import configure_logging, serve

from .bootstrap import SERVICE, build
from .settings import NotifierSettings

__all__ = ["build", "main"]


def main() -> None:
    settings = NotifierSettings()  # type: ignore[call-arg]  # the environment fills it
    configure_logging(SERVICE, settings.log_level)
    serve(build(settings), settings)
