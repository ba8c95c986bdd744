#ifndef TTSLOAD_CZLIB_H
#define TTSLOAD_CZLIB_H
// zlib's gzip writer for Swift: deflateInit2 is a macro, which Swift cannot call.
#include <stddef.h>

// Compresses `length` bytes of `input` into a gzip member (RFC 1952) in a malloc'd buffer
// (*output, *output_length; the caller frees it). Returns 0, or a zlib error code.
int czlib_gzip(const unsigned char *input, size_t length, unsigned char **output, size_t *output_length, int level);

#endif
