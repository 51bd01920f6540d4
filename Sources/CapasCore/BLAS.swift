// The one file that calls OpenBLAS. Everything else goes through `BLAS`.
import CCapasThreads
import COpenBLAS
import Foundation

/// Single-precision matrix products on row-major matrices.
public enum BLAS {
    /// C = alpha · op(A) · op(B) + beta · C, row-major.
    ///
    /// - `op(A)` is M×K (`A` is K×M when `transposeA`), `op(B)` is K×N, `C` is M×N.
    /// - `lda`, `ldb`, `ldc` are row strides; they default to the packed widths.
    @inlinable
    public static func sgemm(transposeA: Bool = false, transposeB: Bool = false,
                             m: Int, n: Int, k: Int,
                             alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int? = nil,
                             b: UnsafePointer<Float>, ldb: Int? = nil,
                             beta: Float = 0,
                             c: UnsafeMutablePointer<Float>, ldc: Int? = nil) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // OpenBLAS leaves C untouched for K = 0; the product of empty matrices is zero.
            for row in 0..<m {
                let base = c + row * (ldc ?? n)
                for col in 0..<n { base[col] = beta == 0 ? 0 : beta * base[col] }
            }
            return
        }
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda ?? (transposeA ? m : k)),
                    b, Int32(ldb ?? (transposeB ? k : n)),
                    beta, c, Int32(ldc ?? n))
    }

    /// Whether `product` may use capas' own AVX2 kernel (tests turn it off
    /// to check the OpenBLAS path too). Off on processors without AVX2 and FMA.
    /// `CAPAS_GEMM=openblas` in the environment turns it off from the start.
    nonisolated(unsafe) public static var smallKernelEnabled =
        capas_small_sgemm_available() != 0 && ProcessInfo.processInfo.environment["CAPAS_GEMM"] != "openblas"


    /// C = op(A) · B (+ C when `accumulate`), row-major, for the convolutions'
    /// products: an inner dimension of tens to hundreds and long rows, which
    /// OpenBLAS runs far from its peak. capas' own kernel (`capas_small_sgemm`:
    /// AVX2 and FMA, no packing) where the processor has it, OpenBLAS otherwise.
    @inlinable
    public static func product(transposeA: Bool = false, m: Int, n: Int, k: Int,
                               a: UnsafePointer<Float>, lda: Int? = nil,
                               b: UnsafePointer<Float>, ldb: Int? = nil,
                               accumulate: Bool = false,
                               c: UnsafeMutablePointer<Float>, ldc: Int? = nil) {
        let lda = lda ?? (transposeA ? m : k), ldb = ldb ?? n, ldc = ldc ?? n
        if smallKernelEnabled, k > 0,
           capas_small_sgemm(transposeA ? 1 : 0, m, n, k, a, lda, b, ldb, c, ldc, accumulate ? 1 : 0) == 0 {
            return
        }
        sgemm(transposeA: transposeA, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
              beta: accumulate ? 1 : 0, c: c, ldc: ldc)
    }

    /// How many threads OpenBLAS itself may use. capas splits work across its
    /// own workers and keeps OpenBLAS at 1 thread: two levels of threads fight.
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    public static var threads: Int { Int(openblas_get_num_threads()) }
}
