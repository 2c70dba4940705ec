#include "cicu_data.h"
#include <stdio.h>
#include <string.h>
#include <unicode/udat.h>
#include <unicode/ufieldpositer.h>
#include <unicode/unum.h>
#include <unicode/unumberformatter.h>
#include <unicode/uregion.h>
#include <unicode/uenum.h>
#include <unicode/uloc.h>
#include <unicode/ustring.h>

static void copy_out(const char *src, char *out, int32_t capacity) {
    if (capacity <= 0) return;
    strncpy(out, src ? src : "", (size_t)capacity - 1);
    out[capacity - 1] = 0;
}

void *cicu_date_open(const char *locale, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    static const UChar utc[] = {'U', 'T', 'C', 0};
    UDateFormat *f = udat_open(UDAT_NONE, UDAT_FULL, locale, utc, 3, NULL, 0, &e);
    *status = e;
    return U_FAILURE(e) ? NULL : f;
}
void cicu_date_close(void *formatter) { if (formatter) udat_close((UDateFormat *)formatter); }

int32_t cicu_date_format(void *formatter, double millis, cicu_uchar *out, int32_t capacity,
                         int32_t *fields, int32_t fieldCapacity, int32_t *fieldCount, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    *fieldCount = 0;
    UFieldPositionIterator *it = ufieldpositer_open(&e);
    if (U_FAILURE(e)) { *status = e; return 0; }
    int32_t n = udat_formatForFields((const UDateFormat *)formatter, (UDate)millis, (UChar *)out, capacity, it, &e);
    if (U_SUCCESS(e)) {
        int32_t begin = 0, end = 0, field, k = 0;
        while ((field = ufieldpositer_next(it, &begin, &end)) >= 0) {
            if (k < fieldCapacity) { fields[3 * k] = field; fields[3 * k + 1] = begin; fields[3 * k + 2] = end; }
            k++;
        }
        *fieldCount = k;
    }
    ufieldpositer_close(it);
    *status = e;
    return n;
}

int32_t cicu_date_actual_locale(void *formatter, char *out, int32_t capacity, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    const char *l = udat_getLocaleByType((const UDateFormat *)formatter, ULOC_ACTUAL_LOCALE, &e);
    *status = e;
    copy_out(l, out, capacity);
    return l ? (int32_t)strlen(l) : 0;
}

void *cicu_spellout_open(const char *locale, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    UNumberFormat *f = unum_open(UNUM_SPELLOUT, NULL, 0, locale, NULL, &e);
    *status = e;
    return U_FAILURE(e) ? NULL : f;
}
void cicu_spellout_close(void *formatter) { if (formatter) unum_close((UNumberFormat *)formatter); }
int32_t cicu_spellout_format(void *formatter, int64_t value, cicu_uchar *out, int32_t capacity, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    int32_t n = unum_formatInt64((const UNumberFormat *)formatter, value, (UChar *)out, capacity, NULL, &e);
    *status = e;
    return n;
}
int32_t cicu_spellout_actual_locale(void *formatter, char *out, int32_t capacity, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    const char *l = unum_getLocaleByType((const UNumberFormat *)formatter, ULOC_ACTUAL_LOCALE, &e);
    *status = e;
    copy_out(l, out, capacity);
    return l ? (int32_t)strlen(l) : 0;
}

void *cicu_number_open(const cicu_uchar *skeleton, int32_t skeletonLength, const char *locale, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    UNumberFormatter *f = unumf_openForSkeletonAndLocale((const UChar *)skeleton, skeletonLength, locale, &e);
    *status = e;
    return U_FAILURE(e) ? NULL : f;
}
void cicu_number_close(void *formatter) { if (formatter) unumf_close((UNumberFormatter *)formatter); }
int32_t cicu_number_format(void *formatter, double value, cicu_uchar *out, int32_t capacity, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    UFormattedNumber *r = unumf_openResult(&e);
    if (U_FAILURE(e)) { *status = e; return 0; }
    unumf_formatDouble((const UNumberFormatter *)formatter, value, r, &e);
    int32_t n = 0;
    if (U_SUCCESS(e)) n = unumf_resultToString(r, (UChar *)out, capacity, &e);
    unumf_closeResult(r);
    *status = e;
    return n;
}

int32_t cicu_region_available(int32_t type, char *out, int32_t capacity, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    UEnumeration *en = uregion_getAvailable((URegionType)type, &e);
    if (U_FAILURE(e)) { *status = e; return 0; }
    int32_t needed = 0, len = 0;
    const char *code;
    if (capacity > 0) out[0] = 0;
    while ((code = uenum_next(en, &len, &e)) != NULL && U_SUCCESS(e)) {
        int32_t extra = len + (needed > 0 ? 1 : 0);
        if (needed + extra < capacity) {
            if (needed > 0) out[needed] = ' ';
            memcpy(out + needed + (needed > 0 ? 1 : 0), code, (size_t)len);
            out[needed + extra] = 0;
        }
        needed += extra;
    }
    uenum_close(en);
    *status = U_SUCCESS(e) && needed >= capacity ? U_BUFFER_OVERFLOW_ERROR : e;
    return needed;
}

int32_t cicu_region_containing(const char *code, int32_t type, char *out, int32_t capacity, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    if (capacity > 0) out[0] = 0;
    const URegion *r = uregion_getRegionFromCode(code, &e);
    if (U_FAILURE(e)) { *status = e; return 0; }
    const URegion *c = uregion_getContainingRegionOfType(r, (URegionType)type);
    *status = U_ZERO_ERROR;
    if (!c) return 0;
    const char *cc = uregion_getRegionCode(c);
    copy_out(cc, out, capacity);
    return (int32_t)strlen(cc);
}

int32_t cicu_region_numeric(const char *code, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    const URegion *r = uregion_getRegionFromCode(code, &e);
    *status = e;
    if (U_FAILURE(e)) return -1;
    return uregion_getNumericCode(r);
}

int32_t cicu_region_display_name(const char *code, const char *displayLocale, cicu_uchar *out, int32_t capacity, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    char locale[32];
    snprintf(locale, sizeof locale, "und_%s", code);
    int32_t n = uloc_getDisplayCountry(locale, displayLocale, (UChar *)out, capacity, &e);
    *status = e;
    return n;
}
