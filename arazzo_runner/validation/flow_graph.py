"""The control flow between the steps of one workflow, answered in linear space.

Whether step ``a`` may run before step ``b`` is asked for every ``$steps`` reference: a
table of everything reachable from every step would be quadratic (a workflow of 10,000 steps
in a chain has 50 million pairs), so the graph is condensed once into its strongly connected
components and each question is answered from that:

* two steps of one component reach each other exactly when the component is a cycle;
* Tarjan's algorithm numbers the components so that a component reaches only components of
  smaller numbers, which rules out most pairs at once;
* steps that fall through to the next one form runs, and a step reaches every later step of
  its run, which answers the usual case (a reference to an earlier step of a straight line);
* anything else is a search restricted to the components between the two, remembered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Optional

__all__ = ["Flow"]


class Flow:
    """The control flow between the steps of one workflow.

    ``successors[i]`` are the steps that may run right after step ``i`` (next in order,
    goto and retry targets); ``reachable`` the steps reachable from the first one.
    """

    __slots__ = ("successors", "reachable", "_component", "_cyclic", "_run", "_answers")

    def __init__(self, successors: Sequence[frozenset[int]]) -> None:
        self.successors = tuple(successors)
        count = len(self.successors)
        self._component, self._cyclic = _components(self.successors)
        # _run[i]: the last step reached from step i by falling through, one step after another
        run = list(range(count))
        for number in range(count - 2, -1, -1):
            if number + 1 in self.successors[number]:
                run[number] = run[number + 1]
        self._run = run
        self._answers: dict[tuple[int, int], bool] = {}
        self.reachable = frozenset(_search(self.successors, 0, None) | {0}) if count else frozenset()

    def may_precede(self, earlier: int, later: int) -> bool:
        """Whether step ``later`` may run at some point after step ``earlier`` has run."""
        component = self._component
        if component[earlier] == component[later]:
            return self._cyclic[component[earlier]]
        if component[earlier] < component[later]:
            return False  # components reach only components numbered below them
        if earlier < later <= self._run[earlier]:
            return True
        key = (earlier, later)
        answer = self._answers.get(key)
        if answer is None:
            floor = component[later]
            answer = later in _search(self.successors, earlier, lambda node: component[node] >= floor, later)
            self._answers[key] = answer
        return answer


def _search(
    successors: Sequence[frozenset[int]], start: int, keep: Optional[Callable[[int], bool]], goal: int = -1
) -> set[int]:
    """Steps reachable from ``start`` in one or more moves (only through ``keep``; up to ``goal``)."""
    seen: set[int] = set()
    stack = list(successors[start])
    while stack:
        node = stack.pop()
        if node in seen or (keep is not None and not keep(node)):
            continue
        seen.add(node)
        if node == goal:
            break
        stack.extend(successors[node])
    return seen


def _components(successors: Sequence[frozenset[int]]) -> tuple[list[int], list[bool]]:
    """Tarjan's strongly connected components, without recursion.

    Returns each step's component number (sinks first: an edge never leads to a higher
    number) and, per component, whether it is a cycle (several steps, or a step that may
    follow itself).
    """
    count = len(successors)
    index = [-1] * count
    low = [0] * count
    on_stack = [False] * count
    component = [-1] * count
    cyclic: list[bool] = []
    stack: list[int] = []
    counter = 0
    for root in range(count):
        if index[root] != -1:
            continue
        work: list[tuple[int, list[int]]] = [(root, sorted(successors[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        while work:
            node, pending = work[-1]
            if pending:
                child = pending.pop()
                if index[child] == -1:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack[child] = True
                    work.append((child, sorted(successors[child])))
                elif on_stack[child]:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                number = len(cyclic)
                members = 0
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    component[member] = number
                    members += 1
                    if member == node:
                        break
                cyclic.append(members > 1 or node in successors[node])
    return component, cyclic
