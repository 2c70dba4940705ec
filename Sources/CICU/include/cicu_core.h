#ifndef POLYGLOT_CICU_CORE_H
#define POLYGLOT_CICU_CORE_H
// Plain, unversioned C wrappers over the ICU4C calls Polyglot uses. ICU's headers rename every
// function per version (ubrk_open -> ubrk_open_72) with macros Swift cannot import; these
// functions are ordinary symbols. All text is UTF-16 (ICU's native form). Every function that can
// fail returns an ICU UErrorCode value through `status` (0 = success, > 0 = failure,
// < 0 = warning) so the Swift layer can turn it into a typed error with u_errorName's text.
#include <stdint.h>

typedef uint16_t cicu_uchar;

// Versions: "72.1", Unicode "15.0", CLDR "42.0", data "72.1".
void cicu_icu_version(char *out, int32_t capacity);
void cicu_unicode_version(char *out, int32_t capacity);
void cicu_data_version(char *out, int32_t capacity, int32_t *status);
void cicu_cldr_version(char *out, int32_t capacity, int32_t *status);
const char *cicu_error_name(int32_t status);

// Word-break iteration. kind: 0 = character, 1 = word, 2 = line, 3 = sentence.
// Returns an opaque iterator bound to a private copy of `text` (ICU only borrows the text).
void *cicu_break_open(int32_t kind, const char *locale, const cicu_uchar *text, int32_t length, int32_t *status);
void cicu_break_close(void *iterator);
// Boundaries: first() is 0, next() returns the next boundary or -1 at the end.
int32_t cicu_break_first(void *iterator);
int32_t cicu_break_next(void *iterator);
// Rule status of the segment that ends at the boundary last returned (word: 0 none, 100-199 number,
// 200-299 letter, 300-399 kana, 400-499 ideographic).
int32_t cicu_break_rule_status(void *iterator);
// Fills `boundaries` with every boundary (including 0 and length) and `statuses[i]` with the rule
// status of the segment ending at boundaries[i+1]. Returns the number of boundaries written, or the
// number needed (as a negative value) when capacity is too small.
int32_t cicu_break_all(void *iterator, int32_t *boundaries, int32_t *statuses, int32_t capacity);
// Re-targets an open iterator to new text (copied), avoiding the cost of ubrk_open per sentence.
void cicu_break_set_text(void *iterator, const cicu_uchar *text, int32_t length, int32_t *status);

// Normalization. form: 0 = NFC, 1 = NFD, 2 = NFKC, 3 = NFKD, 4 = NFKC_Casefold.
// Returns the length of the result; if it exceeds capacity, nothing useful is written and the
// caller retries with a larger buffer (status is U_BUFFER_OVERFLOW_ERROR = 15).
int32_t cicu_normalize(int32_t form, const cicu_uchar *text, int32_t length, cicu_uchar *out, int32_t capacity, int32_t *status);
// 1 if text is already in the form (quick check says yes), else 0.
int32_t cicu_is_normalized(int32_t form, const cicu_uchar *text, int32_t length, int32_t *status);
// Canonical combining class and decomposition helpers for per-code-point normalization with offsets.
int32_t cicu_combining_class(int32_t codepoint);
// Normalizes one code point's decomposition (form as above, applied to that code point alone).
int32_t cicu_normalize_codepoint(int32_t form, int32_t codepoint, cicu_uchar *out, int32_t capacity, int32_t *status);

// Character properties.
int32_t cicu_script(int32_t codepoint, int32_t *status);           // UScriptCode
const char *cicu_script_short_name(int32_t script);                // ISO 15924, e.g. "Thai"
const char *cicu_script_name(int32_t script);                      // e.g. "Thai"
int32_t cicu_script_from_code(const char *iso15924);               // -1 if unknown
int32_t cicu_general_category(int32_t codepoint);                  // UCharCategory
int32_t cicu_is_default_ignorable(int32_t codepoint);
int32_t cicu_is_whitespace(int32_t codepoint);                     // u_isUWhiteSpace
int32_t cicu_is_punctuation(int32_t codepoint);                    // u_ispunct
int32_t cicu_is_digit(int32_t codepoint);                          // general category Nd
int32_t cicu_is_alphabetic(int32_t codepoint);
int32_t cicu_char_age(int32_t codepoint);                          // Unicode version that assigned it, major*100+minor (0 if unassigned)
int32_t cicu_to_lower(int32_t codepoint);
int32_t cicu_to_upper(int32_t codepoint);
// Full (context-free) lowercasing of a string, as String.lowercased() does without locale rules.
int32_t cicu_str_to_lower(const char *locale, const cicu_uchar *text, int32_t length, cicu_uchar *out, int32_t capacity, int32_t *status);

// Locales.
int32_t cicu_locale_count(void);
const char *cicu_locale_at(int32_t index);
// Display name of `locale` in `displayLocale`, UTF-16 into out; returns its length.
int32_t cicu_locale_display_name(const char *locale, const char *displayLocale, cicu_uchar *out, int32_t capacity, int32_t *status);
// Likely-subtags maximization ("th" -> "th_Thai_TH"); returns length written.
int32_t cicu_locale_add_likely_subtags(const char *locale, char *out, int32_t capacity, int32_t *status);
int32_t cicu_locale_script(const char *locale, char *out, int32_t capacity, int32_t *status);
#endif
