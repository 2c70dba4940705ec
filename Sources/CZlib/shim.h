#ifndef POLYGLOT_CZLIB_SHIM_H
#define POLYGLOT_CZLIB_SHIM_H
// zlib, for reading the gzip-compressed prediction files of committed reference results.
#include <zlib.h>
// inflateInit2 is a macro over inflateInit2_ that Swift cannot import; this passes the same version and size.
static inline int polyglot_inflate_init_gzip(z_stream *stream) {
    // 15 + 16: a 32 KiB window and a gzip header and trailer (CRC-32 and length checked).
    return inflateInit2_(stream, 15 + 16, ZLIB_VERSION, (int)sizeof(z_stream));
}
#endif
