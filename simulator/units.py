"""One home for the units and constants every layer shares.

A month is 730 hours (8,760 hours a year / 12), as the cloud providers bill a "month" of an
hourly price. Sizes of uploads are in MiB, as Streamlit counts them. Normal quantiles come from
:class:`statistics.NormalDist`, not typed-in digits.
"""

from __future__ import annotations

from statistics import NormalDist

HOURS_PER_MONTH = 730.0
SECONDS_PER_HOUR = 3600.0
SECONDS_PER_MONTH = HOURS_PER_MONTH * SECONDS_PER_HOUR
MONTHS_PER_YEAR = 12
MB = 1024 * 1024  # bytes in a MiB

Z95 = NormalDist().inv_cdf(0.95)  # one-sided 95th percentile of the standard normal, 1.6449
