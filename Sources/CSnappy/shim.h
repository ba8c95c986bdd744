// Snappy's C API (Debian: libsnappy-dev): the block format Prometheus remote write requires.
#include <snappy-c.h>
