import CapasCore
import CCapasThreads
import XCTest

/// capas' own AVX2 kernel for the convolutions' products (`BLAS.product`)
/// against a plain double-precision loop: every row and column remainder of
/// its 6 × 16 blocks and of the 12 × 8 blocks that take the last few columns, Aᵀ, accumulation, row strides with room between rows
/// (which must stay untouched), an empty inner dimension, and NaN and ∞.
final class SmallProductTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(BLAS.smallKernelEnabled, "this processor has no AVX2 and FMA: OpenBLAS computes every product")
    }

    func check(m: Int, n: Int, k: Int, transposeA: Bool, accumulate: Bool, padding: Int, seed: UInt64,
               file: StaticString = #filePath, line: UInt = #line) {
        var gen = SeededGenerator(seed: seed)
        let lda = (transposeA ? m : k) + padding, ldb = n + padding, ldc = n + padding
        let aRows = transposeA ? k : m
        let a = (0..<(aRows * lda)).map { _ in Float.random(in: -1...1, using: &gen) }
        let b = (0..<(k * ldb)).map { _ in Float.random(in: -1...1, using: &gen) }
        let sentinel: Float = 12345
        var c = (0..<(m * ldc)).map { i in i % ldc < n ? Float.random(in: -1...1, using: &gen) : sentinel }
        let before = c
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    BLAS.product(transposeA: transposeA, m: m, n: n, k: k, a: ap.baseAddress!, lda: lda,
                                 b: bp.baseAddress!, ldb: ldb, accumulate: accumulate, c: cp.baseAddress!, ldc: ldc)
                }
            }
        }
        let label = "m \(m) n \(n) k \(k) Aᵀ \(transposeA) accumulate \(accumulate) padding \(padding)"
        for i in 0..<m {
            for j in 0..<ldc {
                let got = c[i * ldc + j]
                if j >= n { XCTAssertEqual(got, sentinel, "\(label): wrote past the row at (\(i), \(j))", file: file, line: line); continue }
                var sum = accumulate ? Double(before[i * ldc + j]) : 0, magnitude = abs(sum)
                for p in 0..<k {
                    let av = transposeA ? a[p * lda + i] : a[i * lda + p]
                    let term = Double(av) * Double(b[p * ldb + j])
                    sum += term; magnitude += abs(term)
                }
                XCTAssertLessThanOrEqual(abs(Double(got) - sum), 1e-6 * (magnitude + 1), "\(label) at (\(i), \(j))",
                                         file: file, line: line)
            }
        }
    }

    func testEveryRemainderOfTheBlocks() {
        var seed: UInt64 = 0
        // Rows in sixes (16-column blocks) and twelves (the last 1…8 columns).
        for m in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 24, 25] {
            for n in [1, 7, 8, 9, 15, 16, 17, 18, 24, 31, 33] {
                seed += 1
                check(m: m, n: n, k: Int(seed % 40) + 1, transposeA: seed % 2 == 0, accumulate: seed % 3 == 0,
                      padding: Int(seed % 4) * 5, seed: seed)
            }
        }
    }

    func testConvolutionShapes() {
        // Winograd's products of the course's CNNs (rows padded to an odd number of 64-byte lines) and im2col's.
        check(m: 32, n: 256, k: 32, transposeA: false, accumulate: false, padding: 16, seed: 100)
        check(m: 64, n: 98, k: 32, transposeA: false, accumulate: false, padding: 14, seed: 101)
        check(m: 32, n: 98, k: 64, transposeA: true, accumulate: false, padding: 14, seed: 102)
        check(m: 20, n: 64, k: 250, transposeA: false, accumulate: true, padding: 0, seed: 103)
    }

    func testEmptyInnerDimension() {
        // k = 0: the product of empty matrices is zero; accumulating adds nothing.
        check(m: 5, n: 20, k: 0, transposeA: false, accumulate: false, padding: 3, seed: 104)
        check(m: 5, n: 20, k: 0, transposeA: true, accumulate: true, padding: 3, seed: 105)
    }

    func testTransposeEveryEdge() {
        // capas_transpose: 8 × 8 blocks in registers, then the columns and rows left over.
        for (rows, cols) in [(1, 1), (8, 8), (9, 17), (32, 256), (31, 7), (64, 98)] {
            let lds = cols + 5, ldd = rows + 3
            let src = (0..<(rows * lds)).map { Float($0) }
            var dst = [Float](repeating: -1, count: cols * ldd)
            XCTAssertEqual(capas_transpose(src, rows, cols, lds, &dst, ldd), 0)
            for j in 0..<cols {
                for i in 0..<ldd {
                    XCTAssertEqual(dst[j * ldd + i], i < rows ? src[i * lds + j] : -1, "\(rows)×\(cols) at (\(j), \(i))")
                }
            }
        }
    }

    func testNaNAndInfinityPropagate() {
        var a = [Float](repeating: 1, count: 7 * 3), b = [Float](repeating: 1, count: 3 * 18)
        a[2 * 3 + 1] = .nan          // row 2
        b[0 * 18 + 17] = .infinity   // column 17, in the partial block
        var c = [Float](repeating: 0, count: 7 * 18)
        BLAS.product(m: 7, n: 18, k: 3, a: a, b: b, c: &c)
        for i in 0..<7 {
            for j in 0..<18 {
                let v = c[i * 18 + j]
                if i == 2 { XCTAssertTrue(v.isNaN, "(\(i), \(j)) = \(v)") }
                else if j == 17 { XCTAssertEqual(v, .infinity, "(\(i), \(j))") }
                else { XCTAssertEqual(v, 3, "(\(i), \(j))") }
            }
        }
    }
}

/// The Winograd tests again with OpenBLAS computing every product (the path
/// of processors without AVX2 and FMA, and of `CAPAS_GEMM=openblas`).
final class WinogradOpenBLASTests: WinogradTests {
    private var saved = true
    override func setUp() {
        super.setUp()
        saved = BLAS.smallKernelEnabled
        BLAS.smallKernelEnabled = false
    }
    override func tearDown() {
        BLAS.smallKernelEnabled = saved
        super.tearDown()
    }
    // Declared again so that test discovery on Linux finds them in this class.
    override func testForwardMatchesDefinition() throws { try super.testForwardMatchesDefinition() }
    override func testBackwardMatchesIm2colAndExactWeightGradient() { super.testBackwardMatchesIm2colAndExactWeightGradient() }
    override func testNetworkSizedLayersWithFusedReLU() throws { try super.testNetworkSizedLayersWithFusedReLU() }
    override func testThreadCountsAgreeAndRepeatBitForBit() { super.testThreadCountsAgreeAndRepeatBitForBit() }
}

/// Adam's AVX2 loop (`capas_adam`) against `Optimizer`'s own: the same
/// numbers bit for bit over several steps, with weight decay, on a length
/// that ends between two vectors.
final class AdamKernelTests: XCTestCase {
    func testSameNumbersAsTheSwiftLoop() throws {
        try XCTSkipUnless(BLAS.smallKernelEnabled, "this processor has no AVX2: Adam runs the Swift loop only")
        var gen = SeededGenerator(seed: 500)
        let n = 40_003
        let start = gen.normalTensor([n])
        let gradients = (0..<4).map { _ in gen.normalTensor([n], scale: 0.1) }
        func run(kernel: Bool) -> [Float] {
            let saved = BLAS.smallKernelEnabled
            BLAS.smallKernelEnabled = kernel
            defer { BLAS.smallKernelEnabled = saved }
            let p = Parameter("w", start)
            let adam = Optimizer(.adam, weightDecay: 0.01)
            for g in gradients {
                p.grad = g
                adam.step([p])
            }
            return p.value.data
        }
        let fast = run(kernel: true), plain = run(kernel: false)
        XCTAssertNotEqual(fast, start.data, "the parameters moved")
        XCTAssertEqual(fast, plain)
    }
}
