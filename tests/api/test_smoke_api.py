from __future__ import annotations

from tests.api.conftest import Api


def test_put_then_read_a_reading(api: Api) -> None:
    data = api.data(
        """mutation { putReading(reading: {deviceId: "d1", datacount: 1,
             info: {infoTimestamp: "1612519200", temperature1: 23.74}}) {
             __typename ... on Reading { version info { temperature1 } } } }"""
    )
    assert data["putReading"] == {
        "__typename": "Reading", "version": 1, "info": {"temperature1": 23.74}
    }
    read = api.data('{ reading(deviceId: "d1", datacount: 1) { datacount version } }')
    assert read["reading"] == {"datacount": 1, "version": 1}
