import CapasCore
import Foundation
import XCTest

// Shared checks: tolerance comparison in the style of llm.c's test_gpt2
// checker, finiteness, random test tensors, and the finite-difference
// gradient checker (CS231n style).

/// Default float32 tolerances: |got − ref| ≤ atol + rtol·|ref|.
enum Tolerance {
    static let atol: Float = 1e-5
    static let rtol: Float = 1e-4
}

/// "[1, 0, 2, 3]" for a flat index into `shape`.
func multiIndex(_ flat: Int, _ shape: [Int]) -> String {
    var rest = flat
    var index = [Int](repeating: 0, count: shape.count)
    for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
        index[d] = rest % shape[d]
        rest /= shape[d]
    }
    return "[" + index.map(String.init).joined(separator: ", ") + "]"
}

/// Fails unless `got` and `expected` have one shape, every value of `got` is
/// finite (NaN and ±Inf never pass) and |got − ref| ≤ atol + rtol·|ref| everywhere.
/// On failure it prints the first mismatches, got against expected, and the
/// largest absolute difference.
func assertClose(_ got: Tensor, _ expected: Tensor, atol: Float = Tolerance.atol, rtol: Float = Tolerance.rtol,
                 _ label: @autoclosure () -> String, file: StaticString = #filePath, line: UInt = #line) {
    guard got.shape == expected.shape else {
        XCTFail("\(label()): shape \(got.shape), expected \(expected.shape)", file: file, line: line)
        return
    }
    var mismatches = 0
    var shown: [String] = []
    var maxDiff: Float = 0
    for i in 0..<got.count {
        let g = got.data[i], e = expected.data[i]
        let diff = abs(g - e)
        if !g.isFinite || !e.isFinite { maxDiff = .infinity } else { maxDiff = max(maxDiff, diff) }
        let ok = g.isFinite && e.isFinite && diff <= atol + rtol * abs(e)
        if !ok {
            mismatches += 1
            if shown.count < 5 {
                shown.append("  \(multiIndex(i, got.shape)): got \(g), expected \(e), |diff| \(diff)")
            }
        }
    }
    if mismatches > 0 {
        XCTFail("""
            \(label()): \(mismatches) of \(got.count) values differ (atol \(atol), rtol \(rtol)); first:
            \(shown.joined(separator: "\n"))
              max abs diff \(maxDiff)
            """, file: file, line: line)
    }
}

func assertClose(_ got: Float, _ expected: Float, atol: Float = Tolerance.atol, rtol: Float = Tolerance.rtol,
                 _ label: @autoclosure () -> String, file: StaticString = #filePath, line: UInt = #line) {
    assertClose(Tensor(shape: [], data: [got]), Tensor(shape: [], data: [expected]), atol: atol, rtol: rtol,
                label(), file: file, line: line)
}

func assertFinite(_ t: Tensor, _ label: @autoclosure () -> String, file: StaticString = #filePath, line: UInt = #line) {
    if let i = t.data.firstIndex(where: { !$0.isFinite }) {
        XCTFail("\(label()): value \(t.data[i]) at \(multiIndex(i, t.shape)) is not finite", file: file, line: line)
    }
}

/// Random tensors for tests, from the core's own seeded generator.
extension SeededGenerator {
    mutating func normalTensor(_ shape: [Int], scale: Float = 1) -> Tensor {
        var t = Tensor(zeros: shape)
        for i in 0..<t.count { t.data[i] = normal() * scale }
        return t
    }

    mutating func uniformTensor(_ shape: [Int], _ low: Float, _ high: Float) -> Tensor {
        var t = Tensor(zeros: shape)
        for i in 0..<t.count { t.data[i] = uniform(low, high) }
        return t
    }

    /// Values at least `margin` away from 0 (for relu-like kinks).
    mutating func awayFromZero(_ shape: [Int], scale: Float = 1, margin: Float = 0.05) -> Tensor {
        var t = normalTensor(shape, scale: scale)
        for i in 0..<t.count where abs(t.data[i]) < margin { t.data[i] = t.data[i] < 0 ? -margin : margin }
        return t
    }

    /// Distinct values, no two closer than `spacing` (for max pooling and maxout):
    /// a shuffled arithmetic sequence centred on 0.
    mutating func distinctTensor(_ shape: [Int], spacing: Float = 0.1) -> Tensor {
        let n = shape.reduce(1, *)
        var values = (0..<n).map { (Float($0) - Float(n) / 2) * spacing }
        values.shuffle(using: &self)
        return Tensor(shape: shape, data: values)
    }
}

// MARK: - Finite differences

/// Central-difference gradient check of a scalar loss L = Σ output ⊙ R for a fixed
/// random R. The forward pass runs in Float32 (as the layer does) but L is
/// accumulated in Double; each input and parameter element is moved by ±h and
///   relative error = |analytic − numeric| / max(|analytic|, |numeric|, floor)
/// must stay ≤ tolerance. `floor` keeps gradients that are (numerically) zero
/// from turning float32 rounding noise into a large relative error.
struct GradientCheck {
    var h: Float = 1e-2
    var tolerance: Double = 1e-2
    var floor: Double = 1e-3
    /// Seed of R.
    var seed: UInt64 = 1234
    /// Values (e.g. pre-activations in front of a relu) whose signs must not change
    /// under a perturbation; an element whose ±h step flips one is skipped.
    var kinks: (([Tensor]) -> [Float])? = nil
    /// The largest fraction of elements that may be skipped for kinks.
    var maxSkippedFraction: Double = 0.05
    /// False only for testing the checker: report, don't fail.
    var failsTest = true

    struct Report {
        var checked = 0
        var skipped = 0
        var worst = 0.0
        var failures: [String] = []
        var failureCount = 0
    }

    /// `forward` must run the layer in training mode on the given inputs (it is
    /// called again for every perturbation); `backward` must backpropagate through
    /// the state of the *first* forward call and return one gradient per input.
    @discardableResult
    func run(_ label: String, inputs: [Tensor], parameters: [Parameter] = [],
             forward: ([Tensor]) -> Tensor, backward: (Tensor) -> [Tensor],
             file: StaticString = #filePath, line: UInt = #line) -> Report {
        var report = Report()
        let trainable = parameters.filter(\.trainable)

        // Analytic gradients.
        let output = forward(inputs)
        assertFinite(output, "\(label): forward output", file: file, line: line)
        var gen = SeededGenerator(seed: seed)
        let r = gen.normalTensor(output.shape)
        for p in trainable { p.grad.zero() }
        let inputGrads = backward(r)
        guard inputGrads.count == inputs.count else {
            XCTFail("\(label): backward returned \(inputGrads.count) gradients for \(inputs.count) inputs", file: file, line: line)
            return report
        }
        for (k, g) in inputGrads.enumerated() {
            guard g.shape == inputs[k].shape else {
                XCTFail("\(label): input \(k) gradient shape \(g.shape), input \(inputs[k].shape)", file: file, line: line)
                return report
            }
            assertFinite(g, "\(label): input \(k) gradient", file: file, line: line)
        }
        let paramGrads = trainable.map(\.grad)
        for (p, g) in zip(trainable, paramGrads) { assertFinite(g, "\(label): \(p.name) gradient", file: file, line: line) }

        let baseKinks = kinks?(inputs)

        func loss(_ ins: [Tensor]) -> (Double, Bool) {
            let y = forward(ins)
            var total = 0.0
            for i in 0..<y.count { total += Double(y.data[i]) * Double(r.data[i]) }
            var crossed = false
            if let kinks, let baseKinks {
                let now = kinks(ins)
                for (a, b) in zip(baseKinks, now) where (a > 0) != (b > 0) { crossed = true; break }
            }
            return (total, crossed)
        }

        func compare(_ what: String, _ analytic: Float, _ numeric: Double) {
            let a = Double(analytic)
            let rel = abs(a - numeric) / max(abs(a), abs(numeric), floor)
            report.checked += 1
            if !(rel <= tolerance) {
                report.failureCount += 1
                if report.failures.count < 6 {
                    report.failures.append("  \(what): analytic \(analytic), numeric \(numeric), relative error \(rel)")
                }
            }
            if rel.isNaN { report.worst = .nan } else if !report.worst.isNaN { report.worst = max(report.worst, rel) }
        }

        // Inputs.
        var perturbed = inputs
        for k in 0..<inputs.count {
            for i in 0..<inputs[k].count {
                let x = inputs[k].data[i]
                let plus = x + h, minus = x - h
                perturbed[k].data[i] = plus
                let (lp, cp) = loss(perturbed)
                perturbed[k].data[i] = minus
                let (lm, cm) = loss(perturbed)
                perturbed[k].data[i] = x
                if cp || cm { report.skipped += 1; continue }
                let numeric = (lp - lm) / (Double(plus) - Double(minus))
                compare("input \(k) \(multiIndex(i, inputs[k].shape))", inputGrads[k].data[i], numeric)
            }
        }
        // Parameters.
        for (p, grad) in zip(trainable, paramGrads) {
            for i in 0..<p.value.count {
                let v = p.value.data[i]
                let plus = v + h, minus = v - h
                p.value.data[i] = plus
                let (lp, cp) = loss(inputs)
                p.value.data[i] = minus
                let (lm, cm) = loss(inputs)
                p.value.data[i] = v
                if cp || cm { report.skipped += 1; continue }
                let numeric = (lp - lm) / (Double(plus) - Double(minus))
                compare("\(p.name) \(multiIndex(i, p.value.shape))", grad.data[i], numeric)
            }
        }

        if !failsTest { return report }
        print("gradient check \(label): \(report.checked) checked, \(report.skipped) skipped, "
              + "worst relative error \(String(format: "%.2e", report.worst))")
        if report.failureCount > 0 || report.worst.isNaN {
            XCTFail("""
                \(label): \(report.failureCount) of \(report.checked) gradients fail the finite-difference check \
                (h \(h), tolerance \(tolerance), floor \(floor)); worst relative error \(report.worst); first:
                \(report.failures.joined(separator: "\n"))
                """, file: file, line: line)
        }
        let total = report.checked + report.skipped
        if Double(report.skipped) > maxSkippedFraction * Double(max(1, total)) {
            XCTFail("\(label): \(report.skipped) of \(total) elements skipped for kinks", file: file, line: line)
        }
        if report.checked == 0 {
            XCTFail("\(label): nothing was checked", file: file, line: line)
        }
        return report
    }

    /// The common case: one layer, its inputs and its parameters.
    @discardableResult
    func run(_ label: String, layer: any Layer, inputs: [Tensor],
             file: StaticString = #filePath, line: UInt = #line) -> Report {
        run(label, inputs: inputs, parameters: layer.parameters,
            forward: { layer.forward($0, mode: .training) }, backward: { layer.backward($0) },
            file: file, line: line)
    }
}
