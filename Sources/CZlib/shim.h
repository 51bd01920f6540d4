// zlib, for gzip-compressed dataset files (inflate only).
#include <zlib.h>
