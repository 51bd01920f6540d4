// The one file that calls OpenBLAS. Everything else goes through `BLAS`.
import COpenBLAS

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

    /// How many threads OpenBLAS itself may use. capas splits work across its
    /// own workers and keeps OpenBLAS at 1 thread: two levels of threads fight.
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    public static var threads: Int { Int(openblas_get_num_threads()) }
}
