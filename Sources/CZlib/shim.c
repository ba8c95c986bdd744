#include "czlib.h"
#include <stdlib.h>
#include <zlib.h>

int czlib_gzip(const unsigned char *input, size_t length, unsigned char **output, size_t *output_length, int level) {
    z_stream stream = {0};
    // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
    int status = deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    if (status != Z_OK) return status;
    size_t capacity = deflateBound(&stream, (uLong)length) + 32;
    unsigned char *buffer = malloc(capacity);
    if (!buffer) { deflateEnd(&stream); return Z_MEM_ERROR; }
    stream.next_in = (unsigned char *)input;
    stream.avail_in = (uInt)length;
    stream.next_out = buffer;
    stream.avail_out = (uInt)capacity;
    status = deflate(&stream, Z_FINISH);
    if (status != Z_STREAM_END) { free(buffer); deflateEnd(&stream); return status == Z_OK ? Z_BUF_ERROR : status; }
    *output = buffer;
    *output_length = stream.total_out;
    deflateEnd(&stream);
    return 0;
}
