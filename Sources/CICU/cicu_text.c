#include "cicu_text.h"
#include <stdlib.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/utext.h>

static const UNormalizer2 *text_norm(int32_t form, UErrorCode *e) {
    switch (form) {
        case 0: return unorm2_getNFCInstance(e);
        case 1: return unorm2_getNFDInstance(e);
        case 2: return unorm2_getNFKCInstance(e);
        case 3: return unorm2_getNFKDInstance(e);
        case 4: return unorm2_getNFKCCasefoldInstance(e);
        default: *e = U_ILLEGAL_ARGUMENT_ERROR; return NULL;
    }
}

int32_t cicu_text_norm_is_inert(int32_t form, int32_t codepoint) {
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *n = text_norm(form, &e);
    if (U_FAILURE(e) || !n) return 0;
    return unorm2_isInert(n, (UChar32)codepoint) ? 1 : 0;
}

int32_t cicu_text_norm_has_boundary_before(int32_t form, int32_t codepoint) {
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *n = text_norm(form, &e);
    if (U_FAILURE(e) || !n) return 1;
    return unorm2_hasBoundaryBefore(n, (UChar32)codepoint) ? 1 : 0;
}

int32_t cicu_text_norm_info(int32_t form, int32_t codepoint) {
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *n = text_norm(form, &e);
    if (U_FAILURE(e) || !n) return 0;
    UChar buf[2]; int32_t len = 0;
    if (codepoint >= 0x10000) { buf[0] = (UChar)(0xD7C0 + (codepoint >> 10)); buf[1] = (UChar)(0xDC00 | (codepoint & 0x3FF)); len = 2; }
    else { buf[0] = (UChar)codepoint; len = 1; }
    int32_t r = 0;
    if (unorm2_quickCheck(n, buf, len, &e) == UNORM_YES && U_SUCCESS(e)) r |= 1;
    if (unorm2_hasBoundaryBefore(n, (UChar32)codepoint)) r |= 2;
    r |= ((int32_t)unorm2_getCombiningClass(n, (UChar32)codepoint) & 0xFF) << 8;
    return r;
}

int32_t cicu_text_norm_span_yes(int32_t form, const uint16_t *text, int32_t length, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *n = text_norm(form, &e);
    int32_t r = U_SUCCESS(e) ? unorm2_spanQuickCheckYes(n, (const UChar *)text, length, &e) : 0;
    *status = e;
    return r;
}

int32_t cicu_text_normalize(int32_t form, const uint16_t *text, int32_t length, uint16_t *out, int32_t capacity, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *n = text_norm(form, &e);
    int32_t r = U_SUCCESS(e) ? unorm2_normalize(n, (const UChar *)text, length, (UChar *)out, capacity, &e) : 0;
    *status = e;
    return r;
}

void *cicu_text_wordbreak_open(const char *locale, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    UBreakIterator *bi = ubrk_open(UBRK_WORD, locale, NULL, 0, &e);
    *status = e;
    return U_FAILURE(e) ? NULL : (void *)bi;
}

void cicu_text_wordbreak_close(void *iterator) { if (iterator) ubrk_close((UBreakIterator *)iterator); }

int32_t cicu_text_wordbreak_utf8(void *iterator, const uint8_t *text, int32_t length,
                                 int32_t *boundaries, int32_t *statuses, int32_t capacity, int32_t *status) {
    UErrorCode e = U_ZERO_ERROR;
    UBreakIterator *bi = (UBreakIterator *)iterator;
    UText *ut = utext_openUTF8(NULL, (const char *)text, length, &e);
    if (U_FAILURE(e)) { *status = e; return 0; }
    ubrk_setUText(bi, ut, &e);
    if (U_FAILURE(e)) { utext_close(ut); *status = e; return 0; }
    int32_t n = 0;
    int32_t p = ubrk_first(bi);
    while (p != UBRK_DONE) {
        if (n < capacity) boundaries[n] = p;
        if (n > 0 && n - 1 < capacity) statuses[n - 1] = ubrk_getRuleStatus(bi);
        n++;
        p = ubrk_next(bi);
    }
    // The iterator holds a shallow clone of the UText; detach it from the caller's bytes.
    static const UChar empty[1] = {0};
    ubrk_setText(bi, empty, 0, &e);
    utext_close(ut);
    *status = U_FAILURE(e) ? e : 0;
    return n <= capacity ? n : -n;
}

int32_t cicu_text_grapheme_info(int32_t codepoint) {
    int32_t gcb = u_getIntPropertyValue((UChar32)codepoint, UCHAR_GRAPHEME_CLUSTER_BREAK);
    int32_t pict = u_hasBinaryProperty((UChar32)codepoint, UCHAR_EXTENDED_PICTOGRAPHIC) ? 1 : 0;
    return (gcb & 0xFF) | (pict << 8);
}

int32_t cicu_text_compose_pair(int32_t a, int32_t b) {
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *n = unorm2_getNFCInstance(&e);
    if (U_FAILURE(e) || !n) return -1;
    UChar32 c = unorm2_composePair(n, (UChar32)a, (UChar32)b);
    return c < 0 ? -1 : (int32_t)c;
}

int32_t cicu_text_char_age(int32_t codepoint) {
    UVersionInfo v;
    u_charAge((UChar32)codepoint, v);
    return (int32_t)v[0] * 256 + (int32_t)v[1];
}
