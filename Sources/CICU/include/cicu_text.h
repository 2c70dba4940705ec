#ifndef POLYGLOT_CICU_TEXT_H
#define POLYGLOT_CICU_TEXT_H
// ICU calls the tokenizer needs beyond cicu_core: normalization boundaries (to normalize text in
// independent chunks and keep an alignment to the original) and word breaking directly over UTF-8
// (through a UText, so boundaries come back as byte offsets without a UTF-16 copy).
#include <stdint.h>

// form: 0 = NFC, 1 = NFD, 2 = NFKC, 3 = NFKD, 4 = NFKC_Casefold.
// 1 if the code point is unaffected by the form and has a normalization boundary before and after it.
int32_t cicu_text_norm_is_inert(int32_t form, int32_t codepoint);
// 1 if text can be cut before the code point and both sides normalized independently.
int32_t cicu_text_norm_has_boundary_before(int32_t form, int32_t codepoint);

// Quick-check facts of one code point under the form: bit 0 = quick check YES, bit 1 = boundary
// before it, bits 8-15 = canonical combining class.
int32_t cicu_text_norm_info(int32_t form, int32_t codepoint);
// Length of the prefix of UTF-16 `text` that is certainly in the form (unorm2_spanQuickCheckYes).
int32_t cicu_text_norm_span_yes(int32_t form, const uint16_t *text, int32_t length, int32_t *status);
// Normalizes UTF-16 `text` into `out`; returns the length needed (status 15 when capacity is short).
int32_t cicu_text_normalize(int32_t form, const uint16_t *text, int32_t length, uint16_t *out, int32_t capacity, int32_t *status);

// A word-break iterator for UTF-8 text. Not thread-safe; one per thread.
void *cicu_text_wordbreak_open(const char *locale, int32_t *status);
void cicu_text_wordbreak_close(void *iterator);
// Breaks `text` (UTF-8, borrowed only for the call) and writes every boundary as a byte offset
// (including 0 and length) and the rule status of the segment ending at boundaries[i+1] into
// statuses[i]. Returns the number of boundaries, or minus the number needed when capacity is short.
int32_t cicu_text_wordbreak_utf8(void *iterator, const uint8_t *text, int32_t length,
                                 int32_t *boundaries, int32_t *statuses, int32_t capacity, int32_t *status);

// Grapheme cluster facts of one code point (UAX #29): bits 0-7 = the Grapheme_Cluster_Break value
// (UGraphemeClusterBreak), bit 8 = Extended_Pictographic.
int32_t cicu_text_grapheme_info(int32_t codepoint);

// The primary composite of a and b (canonical composition, composition exclusions excluded), or -1.
int32_t cicu_text_compose_pair(int32_t a, int32_t b);
// The Unicode version that assigned the code point: major * 256 + minor (0 when unassigned).
int32_t cicu_text_char_age(int32_t codepoint);
#endif
