#ifndef POLYGLOT_CICU_REGEX_H
#define POLYGLOT_CICU_REGEX_H
// ICU regular expressions over UTF-8 text: the subject is read through a UTF-8 UText, so match
// positions come back as byte offsets with no UTF-16 copy. Conventions follow cicu_core.h
// (UErrorCode through `status`, > 0 = failure). A compiled expression is not thread-safe: each
// thread uses its own clone.
#include <stdint.h>
#include "cicu_core.h"

// Compiles `pattern` (UTF-16). flags are ICU's URegexpFlag bits (8 = UREGEX_MULTILINE). On a
// syntax error, `errorOffset` receives the UTF-16 offset of the error in the pattern (-1 if unknown).
void *cicu_regex_open(const cicu_uchar *pattern, int32_t length, uint32_t flags, int32_t *errorOffset, int32_t *status);
// Matchers have no cap on their backtracking stack (it grows on the heap).
// A new matcher sharing the compiled pattern (safe to call while other clones match).
void *cicu_regex_clone(void *regex, int32_t *status);
void cicu_regex_close(void *regex);
// Sets the UTF-8 subject; the bytes are borrowed and must stay valid until the next call of
// cicu_regex_set_utf8 on this matcher or its close.
void cicu_regex_set_utf8(void *regex, const uint8_t *text, int64_t length, int32_t *status);
// Finds the next match after the previous one (an empty match advances by one code point). Returns
// 1 with the match's byte range in start/end, 0 when there is none.
int32_t cicu_regex_find_next(void *regex, int64_t *start, int64_t *end, int32_t *status);
#endif
