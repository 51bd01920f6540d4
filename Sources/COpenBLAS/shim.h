// The only C that capas touches for linear algebra: OpenBLAS's CBLAS interface.
#include <cblas.h>

// OpenBLAS exports these; not every cblas.h declares them.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
