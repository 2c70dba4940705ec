#!/usr/bin/env python3
"""Writes tasks/cldr-*.yaml, the built-in suite's task specs (run from the repository root).

Language lists per generator are every language in languages/ minus those ICU 72 lacks data for:
- numbers: no rule-based spell-out in ICU (it falls back to English), and Lao, whose spell-out
  rules mix Thai words into Lao text;
- units: fewer than half the units have long names (the rest fall back to root abbreviations);
- regions: region names missing for most territories.
`polyglot data check` verifies each listed language yields examples in its own script.
"""
import os

ALL = sorted(f[:-5] for f in os.listdir("languages") if f.endswith(".yaml"))
NO_SPELLOUT = {"bn", "eu", "gl", "gu", "ha", "ig", "jv", "kn", "ml", "mn", "mr", "pa", "si", "te", "ur", "uz",
               "xh", "yo", "zu", "lo"}
NO_UNITS = {"cy", "ig", "mt", "su", "xh", "yo", "zu"}
NO_REGIONS = {"su"}

SIZES = "{train: 1000, dev: 200, test: 200}"

MONTHS = [("january", "January, the first month of the year"), ("february", "February, the second month of the year"),
          ("march", "March, the third month of the year"), ("april", "April, the fourth month of the year"),
          ("may", "May, the fifth month of the year"), ("june", "June, the sixth month of the year"),
          ("july", "July, the seventh month of the year"), ("august", "August, the eighth month of the year"),
          ("september", "September, the ninth month of the year"), ("october", "October, the tenth month of the year"),
          ("november", "November, the eleventh month of the year"),
          ("december", "December, the twelfth and last month of the year")]
WEEKDAYS = [("monday", "Monday, the day after Sunday"), ("tuesday", "Tuesday, the day after Monday"),
            ("wednesday", "Wednesday, the middle of the working week"), ("thursday", "Thursday, the day after Wednesday"),
            ("friday", "Friday, the last working day of the week"), ("saturday", "Saturday, the first day of the weekend"),
            ("sunday", "Sunday, the last day of the weekend")]
FIELDS = [("weekday", "the name of the day of the week"), ("day", "the day of the month, as a number"),
          ("month", "the month, as a name or a number"), ("year", "the year, as a number"),
          ("era", "the era, such as AD or CE"),
          ("literal", "text between the date's parts: punctuation or connecting words")]
DIGITS = [(str(d), f"a number with {d} digit{'' if d == 1 else 's'}, from " +
           ("0 to 9" if d == 1 else f"{10 ** (d - 1)} to {10 ** d - 1}")) for d in range(1, 7)]
LAST = [(str(d), f"a number whose last digit is {d}, an {'even' if d % 2 == 0 else 'odd'} number") for d in range(10)]
CONTINENTS = [("africa", "a country or territory in Africa"),
              ("americas", "a country or territory in North, Central or South America or the Caribbean"),
              ("asia", "a country or territory in Asia"), ("europe", "a country or territory in Europe"),
              ("oceania", "a country or territory in Oceania, Australia or the Pacific islands")]
DIMENSIONS = [("length", "a length or distance, such as kilometres, metres or miles"),
              ("mass", "a mass or weight, such as kilograms, grams or pounds"),
              ("duration", "a duration of time, such as hours, minutes or days"),
              ("volume", "a volume of liquid or space, such as litres or gallons"),
              ("temperature", "a temperature, such as degrees Celsius or Fahrenheit"),
              ("speed", "a speed, such as kilometres per hour"),
              ("area", "an area of land or surface, such as square metres or hectares"),
              ("digital", "an amount of digital information, such as bytes or gigabytes")]

TASKS = [
    ("cldr-dates-month", "A full date written out in the language (ICU, Gregorian calendar); predict its month.",
     "classification", "dates", "month", MONTHS, ["accuracy", "macro_f1"], "accuracy", set()),
    ("cldr-dates-weekday", "A full date written out in the language (the same inputs as cldr-dates-month); predict its day of the week.",
     "classification", "dates", "weekday", WEEKDAYS, ["accuracy", "macro_f1"], "accuracy", set()),
    ("cldr-date-fields", "Tag each part of a written-out date (ICU field positions): weekday, day, month, year, era or literal text.",
     "tagging", "date-fields", None, FIELDS, ["accuracy", "macro_f1"], "accuracy", set()),
    ("cldr-numbers-digits", "An integer spelled out in words (ICU rule-based spell-out); predict how many digits it has.",
     "classification", "numbers", "digits", DIGITS, ["accuracy", "macro_f1"], "accuracy", NO_SPELLOUT),
    ("cldr-numbers-last-digit", "An integer spelled out in words (ICU rule-based spell-out); predict its last digit.",
     "classification", "numbers", "last-digit", LAST, ["accuracy", "macro_f1"], "accuracy", NO_SPELLOUT),
    ("cldr-regions-continent", "The name of a country or territory in the language; predict its continent (ICU region containment).",
     "classification", "regions", "continent", CONTINENTS, ["accuracy", "macro_f1"], "accuracy", NO_REGIONS),
    ("cldr-units-dimension", "An amount with its full unit name (\"3 kilometres\"); predict what the unit measures.",
     "classification", "units", "dimension", DIMENSIONS, ["accuracy", "macro_f1"], "accuracy", NO_UNITS),
    ("cldr-mlm", "Masked language modelling over the raw text of the built-in suite (dates, numbers, regions, units).",
     "mlm", "mlm", None, None, ["mlm_accuracy", "perplexity"], "mlm_accuracy", NO_SPELLOUT | NO_UNITS | NO_REGIONS),
]


def quote(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def main():
    for name, description, type_, generator, target, labels, metrics, major, excluded in TASKS:
        langs = [l for l in ALL if l not in excluded]
        lines = [
            "# Built-in suite: generated through ICU from CLDR data (no files). Each underlying value is",
            "# hashed with the seed into train/dev/test, so it lands in the same split in every language.",
            "# Written by tools/make_builtin_task_specs.py.",
            f"name: {name}",
            f"description: {quote(description)}",
            f"type: {type_}",
            "format: builtin",
            "builtin:",
            f"  generator: {generator}",
        ]
        if target:
            lines.append(f"  target: {target}")
        lines += [f"  sizes: {SIZES}", "  seed: 0"]
        if labels:
            lines.append("labels:")
            lines += [f"  - {{name: {quote(n)}, description: {quote(d)}}}" for n, d in labels]
        lines.append(f"metrics: [{', '.join(metrics)}]")
        lines.append(f"major_metric: {major}")
        lines.append(f"languages: [{', '.join(langs)}]")
        with open(os.path.join("tasks", f"{name}.yaml"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        print(f"{name}: {len(langs)} languages")


if __name__ == "__main__":
    main()
