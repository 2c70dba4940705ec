#include "cicu_core.h"
#include <stdlib.h>
#include <string.h>
#include <unicode/uversion.h>
#include <unicode/uchar.h>
#include <unicode/ubrk.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/uloc.h>
#include <unicode/ulocdata.h>
#include <unicode/ustring.h>
#include <unicode/putil.h>
#include <unicode/utypes.h>
#include <unicode/icudataver.h>
#include <unicode/ures.h>

static void copy_c(const char *src, char *out, int32_t capacity) {
    if (capacity <= 0) return;
    strncpy(out, src, (size_t)capacity - 1);
    out[capacity - 1] = 0;
}

void cicu_icu_version(char *out, int32_t capacity) {
    UVersionInfo v; char s[U_MAX_VERSION_STRING_LENGTH];
    u_getVersion(v); u_versionToString(v, s); copy_c(s, out, capacity);
}
void cicu_unicode_version(char *out, int32_t capacity) {
    UVersionInfo v; char s[U_MAX_VERSION_STRING_LENGTH];
    u_getUnicodeVersion(v); u_versionToString(v, s); copy_c(s, out, capacity);
}
void cicu_data_version(char *out, int32_t capacity, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR; UVersionInfo v; char s[U_MAX_VERSION_STRING_LENGTH] = "";
    u_getDataVersion(v, &e);
    if (U_SUCCESS(e)) u_versionToString(v, s);
    *status = e; copy_c(s, out, capacity);
}
void cicu_cldr_version(char *out, int32_t capacity, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR; UVersionInfo v; char s[U_MAX_VERSION_STRING_LENGTH] = "";
    ulocdata_getCLDRVersion(v, &e);
    if (U_SUCCESS(e)) u_versionToString(v, s);
    *status = e; copy_c(s, out, capacity);
}
const char *cicu_error_name(int32_t status) { return u_errorName((UErrorCode)status); }

// ICU's break iterator borrows the text; the wrapper owns a copy so Swift buffers can go away.
typedef struct { UBreakIterator *bi; UChar *text; } cicu_break;

void *cicu_break_open(int32_t kind, const char *locale, const cicu_uchar *text, int32_t length, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    cicu_break *b = (cicu_break *)calloc(1, sizeof(cicu_break));
    if (!b) { *status = U_MEMORY_ALLOCATION_ERROR; return NULL; }
    b->text = (UChar *)malloc(sizeof(UChar) * (size_t)(length > 0 ? length : 1));
    if (!b->text) { free(b); *status = U_MEMORY_ALLOCATION_ERROR; return NULL; }
    if (length > 0) memcpy(b->text, text, sizeof(UChar) * (size_t)length);
    b->bi = ubrk_open((UBreakIteratorType)kind, locale, b->text, length, &e);
    *status = e;
    if (U_FAILURE(e)) { free(b->text); free(b); return NULL; }
    return b;
}
void cicu_break_close(void *iterator) {
    cicu_break *b = (cicu_break *)iterator;
    if (!b) return;
    if (b->bi) ubrk_close(b->bi);
    free(b->text); free(b);
}
int32_t cicu_break_first(void *iterator) { return ubrk_first(((cicu_break *)iterator)->bi); }
int32_t cicu_break_next(void *iterator) { return ubrk_next(((cicu_break *)iterator)->bi); }
int32_t cicu_break_rule_status(void *iterator) { return ubrk_getRuleStatus(((cicu_break *)iterator)->bi); }
int32_t cicu_break_all(void *iterator, int32_t *boundaries, int32_t *statuses, int32_t capacity) {
    cicu_break *b = (cicu_break *)iterator;
    int32_t n = 0;
    int32_t p = ubrk_first(b->bi);
    while (p != UBRK_DONE) {
        if (n < capacity) boundaries[n] = p;
        if (n > 0 && n - 1 < capacity) statuses[n - 1] = ubrk_getRuleStatus(b->bi);
        n++;
        p = ubrk_next(b->bi);
    }
    return n <= capacity ? n : -n;
}
void cicu_break_set_text(void *iterator, const cicu_uchar *text, int32_t length, int32_t *status) {
    cicu_break *b = (cicu_break *)iterator;
    UErrorCode e = U_ZERO_ERROR;
    UChar *copy = (UChar *)malloc(sizeof(UChar) * (size_t)(length > 0 ? length : 1));
    if (!copy) { *status = U_MEMORY_ALLOCATION_ERROR; return; }
    if (length > 0) memcpy(copy, text, sizeof(UChar) * (size_t)length);
    ubrk_setText(b->bi, copy, length, &e);
    if (U_FAILURE(e)) { free(copy); *status = e; return; }
    free(b->text); b->text = copy; *status = e;
}

static const UNormalizer2 *norm_instance(int32_t form, UErrorCode *e) {
    switch (form) {
        case 0: return unorm2_getNFCInstance(e);
        case 1: return unorm2_getNFDInstance(e);
        case 2: return unorm2_getNFKCInstance(e);
        case 3: return unorm2_getNFKDInstance(e);
        case 4: return unorm2_getNFKCCasefoldInstance(e);
        default: *e = U_ILLEGAL_ARGUMENT_ERROR; return NULL;
    }
}
int32_t cicu_normalize(int32_t form, const cicu_uchar *text, int32_t length, cicu_uchar *out, int32_t capacity, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *n = norm_instance(form, &e);
    if (U_FAILURE(e)) { *status = e; return 0; }
    int32_t r = unorm2_normalize(n, text, length, out, capacity, &e);
    *status = e; return r;
}
int32_t cicu_is_normalized(int32_t form, const cicu_uchar *text, int32_t length, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *n = norm_instance(form, &e);
    if (U_FAILURE(e)) { *status = e; return 0; }
    UBool r = unorm2_isNormalized(n, text, length, &e);
    *status = e; return r ? 1 : 0;
}
int32_t cicu_combining_class(int32_t codepoint) { return u_getCombiningClass((UChar32)codepoint); }
int32_t cicu_normalize_codepoint(int32_t form, int32_t codepoint, cicu_uchar *out, int32_t capacity, int32_t *status) {
    UChar buf[2]; int32_t len = 0; UBool err = 0;
    U16_APPEND((UChar *)buf, len, 2, (UChar32)codepoint, err);
    if (err) { *status = U_ILLEGAL_ARGUMENT_ERROR; return 0; }
    return cicu_normalize(form, buf, len, out, capacity, status);
}

int32_t cicu_script(int32_t codepoint, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR; int32_t s = uscript_getScript((UChar32)codepoint, &e); *status = e; return s;
}
const char *cicu_script_short_name(int32_t script) { const char *s = uscript_getShortName((UScriptCode)script); return s ? s : ""; }
const char *cicu_script_name(int32_t script) { const char *s = uscript_getName((UScriptCode)script); return s ? s : ""; }
int32_t cicu_script_from_code(const char *iso15924) { return u_getPropertyValueEnum(UCHAR_SCRIPT, iso15924); }
int32_t cicu_general_category(int32_t codepoint) { return u_charType((UChar32)codepoint); }
int32_t cicu_is_default_ignorable(int32_t codepoint) { return u_hasBinaryProperty((UChar32)codepoint, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) ? 1 : 0; }
int32_t cicu_is_whitespace(int32_t codepoint) { return u_isUWhiteSpace((UChar32)codepoint) ? 1 : 0; }
int32_t cicu_is_punctuation(int32_t codepoint) { return u_ispunct((UChar32)codepoint) ? 1 : 0; }
int32_t cicu_is_digit(int32_t codepoint) { return u_charType((UChar32)codepoint) == U_DECIMAL_DIGIT_NUMBER ? 1 : 0; }
int32_t cicu_is_alphabetic(int32_t codepoint) { return u_isUAlphabetic((UChar32)codepoint) ? 1 : 0; }
int32_t cicu_char_age(int32_t codepoint) {
    UVersionInfo v;
    u_charAge((UChar32)codepoint, v);
    return (int32_t)v[0] * 100 + (int32_t)v[1];
}
int32_t cicu_to_lower(int32_t codepoint) { return u_tolower((UChar32)codepoint); }
int32_t cicu_to_upper(int32_t codepoint) { return u_toupper((UChar32)codepoint); }
int32_t cicu_str_to_lower(const char *locale, const cicu_uchar *text, int32_t length, cicu_uchar *out, int32_t capacity, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR; int32_t r = u_strToLower(out, capacity, text, length, locale, &e); *status = e; return r;
}

int32_t cicu_locale_count(void) { return uloc_countAvailable(); }
const char *cicu_locale_at(int32_t index) { return uloc_getAvailable(index); }
int32_t cicu_locale_display_name(const char *locale, const char *displayLocale, cicu_uchar *out, int32_t capacity, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR; int32_t r = uloc_getDisplayName(locale, displayLocale, out, capacity, &e); *status = e; return r;
}
int32_t cicu_locale_add_likely_subtags(const char *locale, char *out, int32_t capacity, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR; int32_t r = uloc_addLikelySubtags(locale, out, capacity, &e); *status = e; return r;
}
int32_t cicu_locale_script(const char *locale, char *out, int32_t capacity, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR; int32_t r = uloc_getScript(locale, out, capacity, &e); *status = e; return r;
}
