"""Every weight of the score in one place, so that they can be fitted on labelled pairs.

Contributions are log-odds (natural log) in the Fellegi–Sunter manner: ln(m/u), where m is
how often the level is seen for a true match and u for a non-match. The values below are
set by hand from the shape of the data (how common names and years are); the benchmark
fits them later. `calibrate` maps the sum to [0, 1].
"""

from __future__ import annotations

import math

# Calibration: score = logistic(SLOPE * total + INTERCEPT), fitted by Platt scaling on an
# evaluation set of another seed than the reported one (benchmarks/fit_calibration.py).
SLOPE = 1.432
INTERCEPT = -13.326
DEFAULT_THRESHOLD = 0.5

# Surname levels.
SURNAME_EXACT = 8.0
SURNAME_TRANSLIT = 7.5  # same skeleton: one name across transliteration or Ukrainian/Russian
SURNAME_FAMILY = 4.5  # male and female forms of one family name (Кузьминов ~ Кузьминова)
SURNAME_REDUCED = 5.5  # same but for unstressed vowels, as akanye writes them (Папоў ~ Попов)
SURNAME_FUZZY_HIGH = 4.0  # one slip of the pen in a long name
SURNAME_PHONETIC = 2.5  # same consonants, and similar spelling
SURNAME_FUZZY_LOW = -1.0  # merely similar: as often another name as a slip
SURNAME_DISAGREE = -5.0
FUZZY_HIGH = 0.92  # Jaro–Winkler on skeletons
FUZZY_LOW = 0.86
SLIP_MIN_LENGTH = 7  # one slip in a shorter surname (Зорин ~ Сорин) is another name as often
# The more people bear a surname, the less its agreement says: up to this much is taken off.
SURNAME_FREQUENCY_MAX_PENALTY = 2.5
SURNAME_FREQUENCY_SCALE = 0.6  # per decade of bearers in russiannames
SWAPPED_ORDER_PENALTY = 0.7

# Given-name levels.
GIVEN_EXACT = 4.5
GIVEN_FOLDED = 4.0  # a diminutive or the Ukrainian form of the same name
GIVEN_FUZZY = 2.0
GIVEN_INITIAL = 1.2
GIVEN_INITIAL_DISAGREE = -2.5
GIVEN_DISAGREE = -5.5
GIVEN_FREQUENCY_MAX_PENALTY = 1.2
GIVEN_FREQUENCY_SCALE = 0.35

# Patronymic: weak evidence, since records often lack it; absence is neutral.
PATRONYMIC_AGREE = 2.5
PATRONYMIC_FUZZY = 1.0
PATRONYMIC_INITIAL = 0.7
PATRONYMIC_DISAGREE = -2.5
PATRONYMIC_FREQUENCY_MAX_PENALTY = 1.0
PATRONYMIC_FREQUENCY_SCALE = 0.3

# Date of birth.
DATE_EXACT = 5.5
DATE_MONTH_YEAR = 3.5  # year and month agree, one side has no day
DATE_YEAR = 2.5  # year agrees, one side has only the year
DATE_SWAPPED = 3.5  # day and month swapped
DATE_YEAR_SAME_DAY_MONTH_DIFFERS = -2.0  # both dates full: a wrong day and month is telling
DATE_NEAR_FULL = 2.0  # one year off, day and month agree
DATE_NEAR = 0.0  # one year off, one side gives only the year
DATE_NEAR_DIFFERS = -3.0  # one year off and day and month differ too
DATE_FAR = -2.0  # two or three years off
DATE_DISAGREE = -5.0

# Unit: soldiers move between units, so a difference says little.
UNIT_AGREE = 3.0
UNIT_DIGITS_AGREE = 1.5
UNIT_DISAGREE = -0.5

# Place: the query's place may be where he was last heard of, not where he was born.
PLACE_AGREE = 1.5
PLACE_FUZZY = 0.8
PLACE_DISAGREE = -0.2
PLACE_FUZZY_RATIO = 85.0


def frequency_penalty(count: int, scale: float, cap: float) -> float:
    """What a name's commonness takes off its agreement weight (0 for rare names)."""
    if count <= 10:
        return 0.0
    return min(cap, scale * math.log10(count / 10))


def calibrate(total: float) -> float:
    """Map a sum of log-odds contributions to a probability-like score in [0, 1]."""
    x = SLOPE * total + INTERCEPT
    if x < -50:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))
