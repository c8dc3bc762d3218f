"""The shape our own Rasa NLU components share: nothing to train, nothing to store, built the same way."""

from typing import Any, TypeVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.training_data import TrainingData

Component = TypeVar("Component", bound="StatelessComponent")


class StatelessComponent(GraphComponent):
    """A component that only reads messages: Rasa builds it with no arguments and it passes training data through."""

    @classmethod
    def create(
        cls: type[Component],
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Component:
        cls.prepare()
        return cls()

    @classmethod
    def prepare(cls) -> None:
        """Work to do once before the first message (loading a model); nothing by default."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
