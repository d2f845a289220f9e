from concurrent.futures import ThreadPoolExecutor

import pytest

from outrank_cli.parallel import chunks, map_in_chunks


@pytest.mark.parametrize(
    ("n", "max_tasks", "sizes"),
    [
        (0, 4, []),
        (3, 4, [1, 1, 1]),
        (8, 4, [2, 2, 2, 2]),
        (9, 4, [3, 3, 3]),  # ceil(9 / 4) = 3 a chunk: three chunks, not four
        (10, 1, [10]),
    ],
)
def test_chunks_cut_in_order_into_at_most_max_tasks_runs(n, max_tasks, sizes):
    items = list(range(n))
    parts = chunks(items, max_tasks=max_tasks)
    assert [len(p) for p in parts] == sizes
    assert [x for p in parts for x in p] == items


def test_chunks_need_a_task():
    with pytest.raises(ValueError, match="max_tasks must be at least 1, got 0"):
        chunks([1], max_tasks=0)


def test_map_in_chunks_keeps_the_order_of_the_items():
    with ThreadPoolExecutor(3) as pool:
        assert map_in_chunks(pool, lambda x: x * x, range(1000), max_tasks=7) == [x * x for x in range(1000)]
        assert map_in_chunks(pool, str, []) == []


def test_on_demand_makes_each_item_once_when_first_read_from_any_thread():
    import threading
    import time

    from outrank_cli.parallel import OnDemand

    made: list[int] = []
    lock = threading.Lock()

    def make(index: int) -> str:
        time.sleep(0.001)  # long enough for the threads to race on the same item
        with lock:
            made.append(index)
        return f"item {index}"

    items = OnDemand(make, 6)
    assert len(items) == 6 and made == []
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda i: items[i % 3], range(40)))
    assert got == [f"item {i % 3}" for i in range(40)]
    assert sorted(made) == [0, 1, 2]  # once each, and only those read
    assert items[-1] == "item 5" and items[1:3] == ["item 1", "item 2"]
    assert sorted(made) == [0, 1, 2, 5]
    with pytest.raises(IndexError):
        items[6]


def test_on_demand_read_sees_an_item_unmade_or_made_and_never_while_it_is_made():
    """``read`` calls ``unmade`` while the item is not made, with no thread making it
    meanwhile (it may read what making consumes), and ``made`` once it is: a read that comes
    while another thread makes the item waits for it."""
    import threading
    import time

    from outrank_cli.parallel import OnDemand

    started, finish = threading.Event(), threading.Event()

    def make(index: int) -> int:
        started.set()
        assert finish.wait(5)
        return index * 10

    items = OnDemand(make, 2)
    assert items.read(0, lambda item: f"made {item}", lambda: "unmade") == "unmade"
    with ThreadPoolExecutor(2) as pool:
        making = pool.submit(lambda: items[0])
        assert started.wait(5)
        reading = pool.submit(items.read, 0, lambda item: f"made {item}", lambda: "unmade")
        time.sleep(0.05)  # the read comes while the item is being made
        finish.set()
        assert making.result() == 0 and reading.result() == "made 0"
    assert items.read(1, lambda item: item, lambda: -1) == -1  # item 1 never made
