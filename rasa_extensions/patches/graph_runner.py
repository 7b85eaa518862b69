"""Run Rasa's prediction graph in a fixed order worked out once, instead of through dask per message.

Rasa 3.6 builds a dask task graph and schedules it on every message, twice or more (understanding,
then each next-action prediction): 8% of the server's time under load, profiled, for graphs that
always run the same nodes in the same order on one thread. This runner keeps Rasa's graph, nodes,
inputs and errors, and only replaces the scheduling. `install()` makes Rasa's message processor use it.
"""

from __future__ import annotations

from functools import lru_cache
from graphlib import TopologicalSorter
from typing import Any

import rasa.core.processor
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner


class InOrderGraphRunner(DaskGraphRunner):
    def run(self, inputs: dict[str, Any] | None = None, targets: list[str] | None = None) -> dict[str, Any]:
        run_targets = tuple(targets if targets else self._graph_schema.target_names)
        order = self._order(run_targets)
        # As in Rasa's dask graph, each node gets (name, value) pairs and returns one.
        results: dict[str, Any] = {}
        if inputs:
            for name, value in inputs.items():
                if isinstance(value, str) and value in self._graph_schema.nodes:
                    raise GraphRunError(
                        f"Input value '{value}' clashes with a node name. Make sure that none of the input "
                        f"names passed to the `run` method are the same as node names in the graph schema."
                    )
                results[name] = (name, value)
        try:
            for name, needs in order:
                results[name] = self._instantiated_nodes[name](*(results.get(need, need) for need in needs))
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e
        return dict(results[target] for target in run_targets)

    @lru_cache(maxsize=16)  # noqa: B019 (one runner per loaded model, kept as long as the model)
    def _order(self, targets: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The nodes the targets need, each after the nodes it needs, with the names of its inputs."""
        schema = self._graph_schema.minimal_graph_schema(list(targets))
        needs = {name: tuple(node.needs.values()) for name, node in schema.nodes.items()}
        graph = {name: [need for need in node_needs if need in needs] for name, node_needs in needs.items()}
        return tuple((name, needs[name]) for name in TopologicalSorter(graph).static_order())


def install() -> None:
    rasa.core.processor.DaskGraphRunner = InOrderGraphRunner
