"""What the subscriber shares with the app, found on `app.state`."""

from dataclasses import dataclass

from complaint_runtime import Wiring as Shared

from ..metrics import ClassifierMetrics
from ..service_layer import Classifier
from ..settings import ClassifierSettings


@dataclass
class Wiring(Shared[Classifier]):
    settings: ClassifierSettings
    metrics: ClassifierMetrics
