#ifndef POLYGLOT_CICU_DATA_H
#define POLYGLOT_CICU_DATA_H
// Plain C wrappers over the ICU4C formatting and region calls behind Polyglot's built-in task
// suite (CLDR data through ICU: localized dates with field positions, rule-based spell-out,
// measures with full unit names, region containment and display names). Conventions follow
// cicu_core.h: UTF-16 text, UErrorCode through `status` (> 0 = failure), lengths returned so the
// caller can retry with a larger buffer when status is U_BUFFER_OVERFLOW_ERROR (15).
#include <stdint.h>
#include "cicu_core.h"

// Dates. Opens a formatter with the locale's FULL date style (no time) in UTC; the locale may
// carry keywords (`fa@calendar=gregorian`).
void *cicu_date_open(const char *locale, int32_t *status);
void cicu_date_close(void *formatter);
// Formats `millis` (ms since 1970-01-01T00:00Z) into `out`; returns the string's length. Also
// writes up to `fieldCapacity` fields as (UDateFormatField, begin, end) in UTF-16 units into
// `fields` (3 ints each) and their count into `fieldCount`.
int32_t cicu_date_format(void *formatter, double millis, cicu_uchar *out, int32_t capacity,
                         int32_t *fields, int32_t fieldCapacity, int32_t *fieldCount, int32_t *status);
// The locale ICU actually used for the formatter's data (ULOC_ACTUAL_LOCALE), e.g. "root" when
// the requested locale has none of its own.
int32_t cicu_date_actual_locale(void *formatter, char *out, int32_t capacity, int32_t *status);

// Rule-based spell-out (UNUM_SPELLOUT).
void *cicu_spellout_open(const char *locale, int32_t *status);
void cicu_spellout_close(void *formatter);
int32_t cicu_spellout_format(void *formatter, int64_t value, cicu_uchar *out, int32_t capacity, int32_t *status);
int32_t cicu_spellout_actual_locale(void *formatter, char *out, int32_t capacity, int32_t *status);

// Number formatting from a skeleton (`measure-unit/length-kilometer unit-width-full-name`).
void *cicu_number_open(const cicu_uchar *skeleton, int32_t skeletonLength, const char *locale, int32_t *status);
void cicu_number_close(void *formatter);
int32_t cicu_number_format(void *formatter, double value, cicu_uchar *out, int32_t capacity, int32_t *status);

// Regions. type: 1 = territory, 2 = world, 3 = continent, 4 = subcontinent, 5 = grouping
// (URegionType). Writes the codes of every available region of the type into `out`, separated by
// spaces and NUL-terminated; returns the length needed (excluding the NUL).
int32_t cicu_region_available(int32_t type, char *out, int32_t capacity, int32_t *status);
// The code of the region of `type` containing `code` ("DE", 3 -> "150"); returns the length,
// 0 when no such region contains it.
int32_t cicu_region_containing(const char *code, int32_t type, char *out, int32_t capacity, int32_t *status);
// The numeric (M.49) code of a region, -1 when it has none.
int32_t cicu_region_numeric(const char *code, int32_t *status);
// The region's name in `displayLocale` (uloc_getDisplayCountry of "und_<code>"); returns its length.
int32_t cicu_region_display_name(const char *code, const char *displayLocale, cicu_uchar *out, int32_t capacity, int32_t *status);
#endif
