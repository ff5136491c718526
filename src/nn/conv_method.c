/* conv_method.c - which method a conv layer runs (conv_method.h), decided once at net_create.
 *
 * Automatic choice, by measurement (README "Speed"): Winograd for the layers it runs (3x3, at
 * least 8 input channels) over a 4-wide GEMM (wasm SIMD128, scalar): there its 16 small GEMMs
 * plus transforms beat the direct convolution's one large GEMM (wasm in Node, 1 thread: +11 %
 * training and about +30 % inference for forward and backward-data, then 1,395 -> 1,528
 * training images/s for the weight gradient); over the AVX2/AVX-512 GEMMs, with 8 or 16 fused
 * multiply-adds per instruction, the transforms cost what they save (native, 1 thread:
 * 2,305-2,424 with Winograd against 2,593-2,784 direct), so those machines run direct. A
 * grouped layer runs direct: Winograd declines it (it is not written per group; not measured). */
#include "conv_method.h"
#include "kernels/gemm.h"
#include <string.h>

const ConvMethod *conv_method_choose(const Layer *l, int choice) {
    if (choice == NET_CONV_DIRECT || !CONV_METHOD_WINOGRAD.runs(l)) return &CONV_METHOD_DIRECT;
    if (choice == NET_CONV_WINOGRAD) return &CONV_METHOD_WINOGRAD;
    const char *gemm_kind = gemm_variant_name();
    int wide_fma = !strcmp(gemm_kind, "avx2") || !strcmp(gemm_kind, "avx512");
    return wide_fma ? &CONV_METHOD_DIRECT : &CONV_METHOD_WINOGRAD;
}
