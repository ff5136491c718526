/* op_table.h - the operator table test (op_table.c): every layer op x conv method x GEMM variant
 * this build has x 1 and 3 threads, bit-exact where promised, else within a tolerance, and the
 * reference run against the definition in double. Returns failures; *cases judged, *skipped
 * (row, method) pairs the method cannot run; the first failures are described in report. */
#ifndef OP_TABLE_H
#define OP_TABLE_H
#include <stddef.h>

int op_table_check(char *report, size_t len, int *cases, int *skipped);
#endif
