#include "cicu_regex.h"
#include <stdlib.h>
#include <string.h>
#include <unicode/uregex.h>
#include <unicode/utext.h>

// A matcher and the UText it reads its subject through (reused across subjects, no allocation).
typedef struct {
    URegularExpression *re;
    UText text;
} cicu_regex;

static cicu_regex *wrap(URegularExpression *re) {
    cicu_regex *r = (cicu_regex *)malloc(sizeof(cicu_regex));
    if (!r) { uregex_close(re); return NULL; }
    UText initial = UTEXT_INITIALIZER;
    r->re = re;
    r->text = initial;
    // No cap on the backtracking stack (0 = it grows on the heap as needed): a search then fails
    // only when memory does, never half-way through a long text.
    UErrorCode e = U_ZERO_ERROR;
    uregex_setStackLimit(re, 0, &e);
    return r;
}

void *cicu_regex_open(const cicu_uchar *pattern, int32_t length, uint32_t flags, int32_t *errorOffset, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    UParseError pe;
    memset(&pe, 0, sizeof pe);
    pe.offset = -1;
    URegularExpression *re = uregex_open((const UChar *)pattern, length, flags, &pe, &e);
    *status = e;
    *errorOffset = pe.offset;
    if (U_FAILURE(e) || !re) return NULL;
    cicu_regex *r = wrap(re);
    if (!r) *status = U_MEMORY_ALLOCATION_ERROR;
    return r;
}

void *cicu_regex_clone(void *regex, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    URegularExpression *re = uregex_clone(((cicu_regex *)regex)->re, &e);
    *status = e;
    if (U_FAILURE(e) || !re) return NULL;
    cicu_regex *r = wrap(re);
    if (!r) *status = U_MEMORY_ALLOCATION_ERROR;
    return r;
}

void cicu_regex_close(void *regex) {
    if (!regex) return;
    cicu_regex *r = (cicu_regex *)regex;
    uregex_close(r->re);
    utext_close(&r->text);
    free(r);
}

void cicu_regex_set_utf8(void *regex, const uint8_t *text, int64_t length, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    cicu_regex *r = (cicu_regex *)regex;
    static const char empty[1] = {0};
    utext_openUTF8(&r->text, text ? (const char *)text : empty, length, &e);
    if (U_SUCCESS(e)) uregex_setUText(r->re, &r->text, &e);
    *status = e;
}

int32_t cicu_regex_find_next(void *regex, int64_t *start, int64_t *end, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    cicu_regex *r = (cicu_regex *)regex;
    UBool found = uregex_findNext(r->re, &e);
    if (U_FAILURE(e) || !found) { *status = e; return 0; }
    *start = uregex_start64(r->re, 0, &e);
    *end = uregex_end64(r->re, 0, &e);
    *status = e;
    return U_SUCCESS(e) ? 1 : 0;
}
