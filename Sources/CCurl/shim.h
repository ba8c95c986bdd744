#ifndef TTSLOAD_CCURL_SHIM_H
#define TTSLOAD_CCURL_SHIM_H
#include <curl/curl.h>
#endif
