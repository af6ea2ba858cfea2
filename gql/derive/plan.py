"""What a batch of changes asks for: index fixes, and per device the periods to recompute. Pure.

Every image of a change, old and new, names a 5-minute period (or the readings without a time)
whose rollup may have changed; the newest image of each reading is what the index must show
before a recomputation is trusted, and says whether its recorded_at needs fixing. Changes of
recorded_at alone change no rollup: they count only for the fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from gql.history import FINEST, floor, recorded_seconds
from gql.models import Reading, ReadingKey
from gql.store import DeviceWork, IndexFix, StreamRecord


@dataclass
class BatchPlan:
    fixes: list[IndexFix] = field(default_factory=list)
    devices: dict[str, DeviceWork] = field(default_factory=dict)

    def forget(self, keys: set[ReadingKey]) -> None:
        """These readings changed again since their images: do not wait for the index to show
        the images (the later change recomputes the same periods)."""
        for key in keys:
            work = self.devices.get(key.device_id)
            if work is not None:
                work.expected.pop(key, None)


def plan_batch(records: Sequence[StreamRecord]) -> BatchPlan:
    plan = BatchPlan()
    newest: dict[ReadingKey, StreamRecord] = {}
    for record in records:
        change = record.change
        newest[change.key] = record
        if record.index_only:
            continue
        work = plan.devices.get(change.key.device_id)
        if work is None:
            work = plan.devices[change.key.device_id] = DeviceWork(change.key.device_id)
        for image in (change.old, change.new):
            if image is not None:
                _touch(work, image)
        work.expected[change.key] = change.new
    for key, record in newest.items():
        work = plan.devices.get(key.device_id)
        if work is not None and key in work.expected:
            work.expected[key] = record.change.new
        if record.fix is not None:
            plan.fixes.append(record.fix)
    return plan


def _touch(work: DeviceWork, image: Reading) -> None:
    seconds = recorded_seconds(image.info.info_timestamp)
    if seconds is None:
        work.untimed = True
    else:
        work.fives.add(floor(FINEST, seconds))
