@testable import CapasCore
import XCTest

/// im2col with a horizontal stride of 1 in AVX2 (`capas_im2col_unit_stride`)
/// against the Swift loop: the same matrix for padding on every side (wider
/// than the kernel, too), dilation, vertical strides, kernels wider than the
/// input, and rows that end inside a vector; col2im, its adjoint, likewise.
final class Im2colKernelTests: XCTestCase {
    func testTheSameColumnsAsTheSwiftLoop() throws {
        try XCTSkipUnless(BLAS.smallKernelEnabled, "this processor has no AVX2: the Swift loop runs alone")
        // (c, h, w, kh, kw, sh, dh, dw, pt, pl, pb, pr)
        let cases = [(1, 28, 28, 5, 5, 1, 1, 1, 0, 0, 0, 0), (10, 12, 12, 5, 5, 1, 1, 1, 0, 0, 0, 0),
                     (3, 9, 13, 3, 3, 2, 1, 1, 1, 1, 1, 1), (2, 7, 5, 3, 3, 1, 2, 2, 2, 2, 2, 2),
                     (4, 6, 6, 3, 7, 1, 1, 1, 0, 3, 0, 3), (1, 3, 3, 3, 3, 1, 1, 1, 4, 4, 4, 4),
                     (5, 17, 33, 1, 9, 3, 1, 1, 0, 4, 0, 4)]
        for (index, t) in cases.enumerated() {
            let (c, h, w, kh, kw, sh, dh, dw, pt, pl, pb, pr) = t
            let ho = (h + pt + pb - dh * (kh - 1) - 1) / sh + 1, wo = (w + pl + pr - dw * (kw - 1) - 1) / 1 + 1
            let g = Conv2D.Geometry(n: 1, c: c, h: h, w: w, k: 1, ho: ho, wo: wo, kh: kh, kw: kw, sh: sh, sw: 1,
                                    pt: pt, pl: pl, dh: dh, dw: dw, groups: 1)
            var gen = SeededGenerator(seed: UInt64(90 + index))
            let x = gen.normalTensor([c, h, w])
            let count = g.rows * g.cols
            var fast = [Float](repeating: .nan, count: count), plain = [Float](repeating: -.nan, count: count)
            x.data.withUnsafeBufferPointer { xp in
                fast.withUnsafeMutableBufferPointer { Conv2D.im2col(xp.baseAddress!, g, $0.baseAddress!) }
                plain.withUnsafeMutableBufferPointer { Conv2D.im2colUnitStride(xp.baseAddress!, g, $0.baseAddress!) }
            }
            XCTAssertEqual(fast.map(\.bitPattern), plain.map(\.bitPattern), "case \(index): \(t)")
            XCTAssertFalse(fast.contains { $0.isNaN }, "case \(index): every element written")
            // col2im: the same sums, added onto a gradient that is not zero.
            let dcol = gen.normalTensor([count]), start = gen.normalTensor([c, h, w])
            func backward(kernel: Bool) -> [Float] {
                let saved = BLAS.smallKernelEnabled
                BLAS.smallKernelEnabled = kernel
                defer { BLAS.smallKernelEnabled = saved }
                var dx = start.data
                dcol.data.withUnsafeBufferPointer { d in
                    dx.withUnsafeMutableBufferPointer { Conv2D.col2im(d.baseAddress!, g, $0.baseAddress!) }
                }
                return dx
            }
            let summed = backward(kernel: true)
            XCTAssertEqual(summed.map(\.bitPattern), backward(kernel: false).map(\.bitPattern), "col2im, case \(index)")
            XCTAssertNotEqual(summed, start.data, "case \(index): col2im added something")
        }
    }
}
