@testable import CapasGrader
import CapasCore
import Foundation
import XCTest

/// The code exercises 06–08: every catalogued mistake has a wrong
/// submission that gets its diagnosis in both languages, and the references
/// (central differences of float64 definitions) agree with independent
/// analytic gradients.
final class CourseCodeTests: XCTestCase {
    static let exercises = ["06-pooling", "07-dense-backward", "08-batchnorm-dropout"]
    static let submissions = CodeSupport.repository.appendingPathComponent("Tests/GraderSubmissions")

    struct Expected: Decodable { var about: String; var check: String; var mistake: String }

    static func rubric(_ exercise: String) throws -> Rubric {
        try Rubric.load(CodeSupport.repository.appendingPathComponent("grading/\(exercise)/rubric.json"))
    }

    static func functions(of rubric: Rubric) -> [any CodeFunction] {
        var seen: [any CodeFunction] = []
        for check in rubric.checks {
            if let function = check.function.flatMap(CodeFunctions.named), !seen.contains(where: { $0.name == function.name }) {
                seen.append(function)
            }
        }
        return seen
    }

    func testEveryCataloguedMistakeHasAWrongSubmission() throws {
        for exercise in Self.exercises {
            let rubric = try Self.rubric(exercise)
            let mistakes = Set(Self.functions(of: rubric).flatMap { $0.mistakes.map(\.id) })
            XCTAssertFalse(mistakes.isEmpty, exercise)
            let folders = Set(try FileManager.default.contentsOfDirectory(
                atPath: Self.submissions.appendingPathComponent(exercise).path))
            for mistake in mistakes {
                XCTAssertTrue(folders.contains(mistake), "\(exercise): no wrong submission for `\(mistake)`")
            }
        }
    }

    func testWrongSubmissionsAreDiagnosedInBothLanguages() throws {
        for exercise in Self.exercises {
            let rubric = try Self.rubric(exercise)
            let catalogue = Self.functions(of: rubric).flatMap(\.mistakes)
            let folder = Self.submissions.appendingPathComponent(exercise)
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() {
                let submission = folder.appendingPathComponent(name)
                let expected = try JSONDecoder().decode(
                    Expected.self, from: Data(contentsOf: submission.appendingPathComponent("expected.json")))
                XCTAssertEqual(expected.mistake, name)
                let report = try CodeSupport.grade(submission, rubric: rubric)
                XCTAssertLessThan(report.points, rubric.maxPoints, "\(exercise)/\(name) scored full marks")
                guard let check = report.checks.first(where: { $0.id == expected.check }) else {
                    XCTFail("\(exercise)/\(name): no check `\(expected.check)`"); continue
                }
                XCTAssertEqual(check.status, .failed, "\(exercise)/\(name): \(check.feedback.en)")
                XCTAssertEqual(check.mistake, expected.mistake, "\(exercise)/\(name): \(check.feedback.en)")
                let known = try XCTUnwrap(catalogue.first { $0.id == expected.mistake })
                XCTAssertTrue(check.feedback.es.contains(known.feedback.es), "\(exercise)/\(name): Spanish diagnosis missing")
                XCTAssertTrue(check.feedback.en.contains(known.feedback.en), "\(exercise)/\(name): English diagnosis missing")
                XCTAssertNotEqual(known.feedback.es, known.feedback.en)
                // Every other check still ran: no grader error, nothing left unjudged.
                XCTAssertFalse(report.checks.contains { $0.status == .graderError }, "\(exercise)/\(name)")
            }
        }
    }

    func testSolutionsFullAndHandoutsNotGradable() throws {
        for exercise in Self.exercises {
            let rubric = try Self.rubric(exercise)
            let full = try CodeSupport.grade(CodeSupport.repository.appendingPathComponent("solutions/\(exercise)"), rubric: rubric)
            XCTAssertEqual(full.points, rubric.maxPoints, "\(exercise): \(full.checks.filter { $0.status != .passed }.map { $0.feedback.en })")
            let handout = try CodeSupport.grade(CodeSupport.repository.appendingPathComponent("exercises/\(exercise)"), rubric: rubric)
            XCTAssertEqual(handout.points, 0, exercise)
            XCTAssertTrue(handout.checks.allSatisfy { $0.status == .notGradable }, exercise)
        }
    }

    /// Every reference is finite and every case set of every rubric check
    /// builds; hidden references too (with a secret).
    func testRubricsValidateWithFiniteReferences() throws {
        for exercise in Self.exercises {
            XCTAssertNoThrow(try CodeGrader.validate(try Self.rubric(exercise), secret: CodeSupport.secret), exercise)
        }
    }

    // MARK: References against independent analytic gradients

    func testPoolingGradientReferencesMatchTheAnalyticRule() throws {
        for kind in [PoolingFunctions.Kind.max, .average] {
            let function = PoolingFunctions.backwardFunction(kind)
            var generator = CaseGenerator(seed: 1)
            for set in ["worked", "overlap", "gradient"] {
                for item in try function.cases(set, count: 20, generator: &generator) {
                    let (x, g, size, stride) = PoolingFunctions.unpack(item)
                    let analytic = try XCTUnwrap(PoolingFunctions.backward(x, g!, size: size, stride: stride, kind, .init()))
                    assertClose(function.reference(item), analytic, 1e-6, "\(function.name) \(set)")
                }
            }
        }
        // The course's slide: [[6, 8], [3, 4]].
        let slide = try XCTUnwrap(PoolingFunctions.forward(PoolingFunctions.slide, size: 2, stride: 2, .max))
        XCTAssertEqual(slide.values, [6, 8, 3, 4])
    }

    func testDenseAndLossGradientReferencesMatchTheAnalyticRule() throws {
        var generator = CaseGenerator(seed: 2)
        for part in [DenseFunctions.Part.input, .weight, .bias] {
            let function = DenseFunctions.denseBackward(part)
            for item in try function.cases("gradient", count: 10, generator: &generator) {
                let x = item.arguments[0].numbers!, w = item.arguments[1].numbers!, up = item.arguments[2].numbers!
                let (n, i, o) = (x.shape[0], x.shape[1], w.shape[0])
                var expected: [Double]
                switch part {
                case .input:
                    expected = (0..<(n * i)).map { k in (0..<o).reduce(0) { $0 + up.values[(k / i) * o + $1] * w.values[$1 * i + k % i] } }
                case .weight:
                    expected = (0..<(o * i)).map { k in (0..<n).reduce(0) { $0 + up.values[$1 * o + k / i] * x.values[$1 * i + k % i] } }
                case .bias:
                    expected = (0..<o).map { k in (0..<n).reduce(0) { $0 + up.values[$1 * o + k] } }
                }
                assertClose(function.reference(item), Numbers(shape: function.reference(item).shape, values: expected), 1e-6, function.name)
            }
        }
        let ce = DenseFunctions.crossEntropyBackwardFunction
        for item in try ce.cases("gradient", count: 10, generator: &generator) {
            let z = item.arguments[0].numbers!, labels = DenseFunctions.labels(item.arguments[1])
            var p = DenseFunctions.softmax(z)
            for (s, label) in labels.enumerated() { p.values[s * z.shape[1] + label] -= 1 }
            p.values = p.values.map { $0 / Double(labels.count) }
            assertClose(ce.reference(item), p, 1e-6, ce.name)
        }
        // The worked softmax of the course: [3.2, 5.1, −1.7] → 0.12998, 0.86905, 0.00097.
        let p = DenseFunctions.softmax(Definitions.tensor([[3.2, 5.1, -1.7]]))
        XCTAssertEqual(p.values[0], 0.12998, accuracy: 1e-5)
        XCTAssertEqual(p.values[1], 0.86905, accuracy: 1e-5)
        XCTAssertEqual(p.values[2], 0.000968, accuracy: 1e-6)
        // Logits of 1000 stay finite.
        XCTAssertTrue(DenseFunctions.softmax(Definitions.tensor([[1000, 1001, 1002]])).values.allSatisfy(\.isFinite))
    }

    /// The first-loss cases are what the check's name promises: ≈ ln 10.
    func testFirstLossCasesAreNearLn10() throws {
        var generator = CaseGenerator(seed: 3)
        for item in try DenseFunctions.twoLayerFunction.cases("first_loss", count: 20, generator: &generator) {
            XCTAssertEqual(DenseFunctions.twoLayerFunction.reference(item).values[0], log(10), accuracy: 0.02)
        }
    }

    func testBatchNormGradientReferencesMatchTheAnalyticRule() throws {
        var generator = CaseGenerator(seed: 4)
        let input = NormalizationFunctions.backwardFunction(.input)
        for item in try input.cases("gradient", count: 10, generator: &generator) {
            let x = item.arguments[0].numbers!, gamma = item.arguments[1].numbers!, up = item.arguments[2].numbers!
            let eps = item.arguments[3].scalar!
            let stats = NormalizationFunctions.statistics(x)
            let c = x.shape[1], plane = x.shape[2] * x.shape[3], m = Double(x.values.count / c)
            var sumG = [Double](repeating: 0, count: c), sumGX = [Double](repeating: 0, count: c)
            var normalized = x.values
            for k in x.values.indices {
                let ch = (k / plane) % c
                normalized[k] = (x.values[k] - stats.mean[ch]) / (stats.variance[ch] + eps).squareRoot()
                sumG[ch] += up.values[k]
                sumGX[ch] += up.values[k] * normalized[k]
            }
            let dx = x.values.indices.map { k -> Double in
                let ch = (k / plane) % c
                return gamma.values[ch] / (stats.variance[ch] + eps).squareRoot()
                    * (up.values[k] - sumG[ch] / m - normalized[k] * sumGX[ch] / m)
            }
            assertClose(input.reference(item), Numbers(shape: x.shape, values: dx), 1e-5, input.name)
            assertClose(NormalizationFunctions.backwardFunction(.gamma).reference(item), Numbers(shape: [c], values: sumGX), 1e-5, "gamma")
            assertClose(NormalizationFunctions.backwardFunction(.beta).reference(item), Numbers(shape: [c], values: sumG), 1e-5, "beta")
        }
        // The notebook's example: 1, 2, 3, 4 → μ 2.5, σ² 1.25, x̂ ±1.342, ±0.447.
        let worked = NormalizationFunctions.train(Numbers(shape: [4, 1, 1, 1], values: [1, 2, 3, 4]),
                                                  gamma: Numbers(shape: [1], values: [1]), beta: Numbers(shape: [1], values: [0]), eps: 0)
        XCTAssertEqual(worked.values[0], -1.3416, accuracy: 1e-4)
        XCTAssertEqual(worked.values[1], -0.4472, accuracy: 1e-4)
    }

    /// conv2d's optional part: the float64 definition with groups against
    /// CapasCore's grouped convolution.
    func testGroupedConvolutionReferenceMatchesTheCore() throws {
        let function = Conv2DGroupsFunction()
        var generator = CaseGenerator(seed: 5)
        for item in try function.cases("groups", count: 0, generator: &generator)
            + function.cases("random", count: 20, generator: &generator) {
            let x = item.arguments[0].numbers!, w = item.arguments[1].numbers!, b = item.arguments[2].numbers
            let s = item.arguments[3].integer!, p = item.arguments[4].integer!, groups = item.arguments[5].integer!
            let config = ConvolutionConfig(inChannels: x.shape[1], outChannels: w.shape[0], kernel: Size2D(w.shape[2], w.shape[3]),
                                           stride: Size2D(s, s), padding: Padding2D(p, p), groups: groups, bias: b != nil)
            var seeded = SeededGenerator(seed: 0)
            let layer = Conv2D(config, generator: &seeded)
            layer.weight.value = CapasCore.Tensor(shape: w.shape, data: w.values.map { Float($0) })
            if let b { layer.bias?.value = CapasCore.Tensor(shape: b.shape, data: b.values.map { Float($0) }) }
            let y = layer.referenceForward(CapasCore.Tensor(shape: x.shape, data: x.values.map { Float($0) }))
            assertClose(function.reference(item), Numbers(shape: y.shape, values: y.data.map(Double.init)), 1e-4, "groups \(groups)")
        }
    }

    func assertClose(_ a: Numbers, _ b: Numbers, _ tolerance: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, what, file: file, line: line)
        for (x, y) in zip(a.values, b.values) where !(abs(x - y) <= tolerance * max(1, abs(y))) {
            return XCTFail("\(what): \(x) vs \(y)", file: file, line: line)
        }
    }
}
