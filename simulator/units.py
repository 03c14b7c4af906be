"""One home for the units and constants every layer shares.

A month is 730 hours (8,760 hours a year / 12), as the cloud providers bill a "month" of an
hourly price. Upload limits are in the MB that Streamlit's upload widget states and enforces in the
browser: 1,000,000 bytes (on Windows it counts 1,048,576; the app's own check refuses the rest with a
message). Normal quantiles come from
:class:`statistics.NormalDist`, not typed-in digits.
"""

from __future__ import annotations

from statistics import NormalDist

HOURS_PER_MONTH = 730.0
SECONDS_PER_HOUR = 3600.0
SECONDS_PER_MINUTE = SECONDS_PER_HOUR / 60
SECONDS_PER_MONTH = HOURS_PER_MONTH * SECONDS_PER_HOUR
MONTHS_PER_YEAR = 12
LENGTH_QUANTILES = 21  # a fitted length's quantiles: 0, 5 %, ..., 100 %
UPLOAD_MB = 1_000_000  # bytes in an upload limit's MB, as the upload widget counts outside Windows

Z95 = NormalDist().inv_cdf(0.95)  # one-sided 95th percentile of the standard normal, 1.6449
