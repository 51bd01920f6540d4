@testable import CapasGrader
import CapasCore
import Foundation
import XCTest

final class CodeGraderTests: XCTestCase {
    func testMasterSolutionGetsFullMarks() throws {
        let rubric = try CodeSupport.rubric()
        let started = Date()
        let report = try CodeSupport.grade(CodeSupport.solution, rubric: rubric)
        let running = report.checks.reduce(0) { $0 + $1.seconds }
        print("graded the conv2d solution in \(Date().timeIntervalSince(started)) s "
              + "(checks running in the sandbox: \(running) s)\n\(report.summary)")
        XCTAssertEqual(report.checks.count, rubric.checks.count)
        for check in report.checks {
            XCTAssertEqual(check.status, .passed, "\(check.id): \(check.feedback.en)")
        }
        XCTAssertEqual(report.points, rubric.maxPoints)
    }
}

extension CodeGraderTests {
    /// `capas assign` strips solution regions into `notImplemented("conv2d")`:
    /// the stub compiles and every check is "not gradable: not implemented yet".
    func testStrippedStubCompilesAndIsNotGradable() throws {
        let source = try String(contentsOf: CodeSupport.solution.appendingPathComponent("Conv2D.swift"), encoding: .utf8)
        XCTAssertTrue(source.contains("// BEGIN SOLUTION") && source.contains("// END SOLUTION"))
        let stub = CodeSupport.stripSolutions(source, function: "conv2d")
        XCTAssertTrue(stub.contains("    notImplemented(\"conv2d\")"))
        XCTAssertFalse(stub.contains("SOLUTION"))
        XCTAssertFalse(stub.contains("let ho ="), "a solution line survived")

        let folder = try CodeSupport.workFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try stub.write(to: folder.appendingPathComponent("Conv2D.swift"), atomically: true, encoding: .utf8)
        let rubric = try CodeSupport.rubric()
        let report = try CodeSupport.grade(folder, rubric: rubric)
        XCTAssertEqual(report.points, 0)
        for check in report.checks {
            XCTAssertEqual(check.status, .notGradable, "\(check.id): \(check.feedback.en)")
            XCTAssertTrue(check.feedback.en.contains("not implemented yet"), check.feedback.en)
            XCTAssertTrue(check.feedback.es.contains("sin implementar"), check.feedback.es)
        }
    }

    /// A self-check runs the visible checks only; the hidden one is listed as skipped.
    func testSelfCheckSkipsHiddenChecks() throws {
        let rubric = try CodeSupport.rubric()
        let report = try CodeSupport.grade(CodeSupport.solution, rubric: rubric, mode: .selfCheck)
        for check in report.checks {
            XCTAssertEqual(check.status, check.visibility == .visible ? .passed : .skipped, check.id)
        }
        XCTAssertEqual(report.check("hidden_random")?.points, 0)
    }

    /// In the instructor's rubric a hidden check without a `cases` field (the
    /// default set) is graded like any other; only a learner's stripped copy skips it.
    func testAHiddenCheckWithDefaultCasesIsGradedFromTheCourseRubric() throws {
        var rubric = try CodeSupport.rubric()
        let index = try XCTUnwrap(rubric.checks.firstIndex { $0.id == "hidden_random" })
        rubric.checks[index].cases = nil
        let report = try CodeSupport.grade(CodeSupport.solution, rubric: rubric)
        XCTAssertEqual(report.check("hidden_random")?.status, .passed)
        XCTAssertEqual(report.check("hidden_random")?.points, rubric.checks[index].points)
    }

    func testMissingFunctionIsNotGradable() throws {
        let folder = try CodeSupport.workFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "import CapasExercise\n\nfunc conv(_ x: Tensor) -> Tensor { x }\n"
            .write(to: folder.appendingPathComponent("Conv2D.swift"), atomically: true, encoding: .utf8)
        let report = try CodeSupport.grade(folder, rubric: try CodeSupport.rubric())
        for check in report.checks {
            XCTAssertEqual(check.status, .notGradable)
            XCTAssertTrue(check.feedback.en.contains("`conv2d` is missing or its signature"), check.feedback.en)
            XCTAssertEqual(check.file, "Conv2D.swift")
        }
        // The missing file is not gradable either, and is named.
        let empty = try CodeSupport.workFolder()
        defer { try? FileManager.default.removeItem(at: empty) }
        let missing = try CodeSupport.grade(empty, rubric: try CodeSupport.rubric())
        XCTAssertTrue(missing.checks.allSatisfy { $0.status == .notGradable && $0.file == "Conv2D.swift" })
    }

    /// A compile that runs too long is stopped and reported, not waited for.
    func testCompileTimeIsBounded() throws {
        let started = Date()
        let report = try CodeSupport.grade(CodeSupport.solution, rubric: try CodeSupport.rubric(),
                                           options: CodeGrader.Options(compileTimeout: 0.05))
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        for check in report.checks {
            XCTAssertEqual(check.status, .notGradable)
            XCTAssertTrue(check.feedback.en.contains("compilation took longer than"), check.feedback.en)
        }
    }

    /// Hidden checks say what kind of difference, never the inputs or the expected values.
    func testHiddenFeedbackLeaksNoValues() throws {
        let report = try CodeSupport.grade(CodeSupport.submissions.appendingPathComponent("flipped_kernel"),
                                           rubric: try CodeSupport.rubric())
        let hidden = try XCTUnwrap(report.check("hidden_random"))
        XCTAssertEqual(hidden.status, .failed)
        XCTAssertEqual(hidden.mistake, "flipped_kernel")
        for text in [hidden.feedback.en, hidden.feedback.es] {
            XCTAssertFalse(text.contains("expected") || text.contains("esperado"), text)
            XCTAssertFalse(text.contains("stride ") || text.contains("x 1×"), text)
        }
        let visible = try XCTUnwrap(report.check("stride"))
        XCTAssertTrue(visible.feedback.en.contains("expected"), visible.feedback.en)
        XCTAssertTrue(visible.feedback.en.contains("true convolution"), visible.feedback.en)
        XCTAssertTrue(visible.feedback.es.contains("convolución «de verdad»"), visible.feedback.es)
    }

    // MARK: The reference and the catalogue, without compiling anything

    func testWorkedExamplesGiveTheCoursesAnswers() {
        let function = Conv2DFunction()
        XCTAssertEqual(function.reference(Conv2DFunction.worked[0]),
                       Numbers(shape: [1, 1, 3, 3], values: [4, 3, 4, 2, 4, 3, 2, 3, 4]))
        XCTAssertEqual(function.reference(Conv2DFunction.worked[1]),
                       Numbers(shape: [1, 1, 5, 5], values: [6, 6, -2, -3, 6, 6, -4, -4, 3, 4, -2, -3, 5, 2, 3,
                                                             6, -4, -4, 3, 4, 6, 6, -2, -3, 6]))
    }

    /// The float64 definition used for mistakes agrees with CapasCore's
    /// reference when no mistake is switched on; every case set is finite.
    func testMistakeVariantsStartFromTheReference() throws {
        let function = Conv2DFunction()
        var generator = CaseGenerator(seed: 99)
        var cases = try Conv2DFunction.sets.flatMap { try function.cases($0, count: 50, generator: &generator) }
        cases += (0..<200).map { _ in Conv2DFunction.randomCase(&generator) }
        for item in cases {
            let reference = function.reference(item)
            XCTAssertTrue(reference.values.allSatisfy(\.isFinite))
            let plain = try XCTUnwrap(Conv2DFunction.convolve(item, Conv2DFunction.Variant()))
            XCTAssertTrue(Comparison.compare(got: plain, expected: reference, tolerance: Tolerance(atol: 1e-4, rtol: 1e-4)).matches,
                          item.summary.en)
        }
        // Each mistake changes the output of at least one case of the rubric's sets (it can be diagnosed).
        for mistake in function.mistakes {
            let visible = cases.contains { item in
                guard let wrong = function.mistaken(mistake.id, item) else { return false }
                return !Comparison.compare(got: wrong, expected: function.reference(item), tolerance: Tolerance()).matches
            }
            XCTAssertTrue(visible, mistake.id)
        }
    }

    func testHiddenCasesDependOnTheSecret() throws {
        let a = CaseGenerator.hiddenSeed(secret: Array("one".utf8), exercise: "05-conv2d", check: "hidden_random", seed: 5)
        let b = CaseGenerator.hiddenSeed(secret: Array("two".utf8), exercise: "05-conv2d", check: "hidden_random", seed: 5)
        let c = CaseGenerator.hiddenSeed(secret: Array("one".utf8), exercise: "05-conv2d", check: "other", seed: 5)
        XCTAssertNotEqual(a, b)
        XCTAssertNotEqual(a, c)
        XCTAssertEqual(a, CaseGenerator.hiddenSeed(secret: Array("one".utf8), exercise: "05-conv2d", check: "hidden_random", seed: 5))
    }

    /// Only a complete, well-formed channel counts: every truncation and
    /// random garbage is rejected.
    func testResultChannelIsNeverTrustedWhenIncomplete() {
        var bytes: [UInt8] = Array("CAPO".utf8)
        Wire.append(UInt32(2), to: &bytes)
        for index in 0..<2 {
            bytes.append(UInt8(ascii: "B")); Wire.append(UInt32(index), to: &bytes)
            bytes.append(UInt8(ascii: "R")); Wire.append(UInt32(index), to: &bytes); Wire.append(UInt32(2), to: &bytes)
            Wire.append(Int64(1), to: &bytes); Wire.append(Int64(2), to: &bytes); Wire.append(UInt64(2), to: &bytes)
            Wire.append(Float(1.5).bitPattern, to: &bytes); Wire.append(Float(-2).bitPattern, to: &bytes)
        }
        bytes.append(UInt8(ascii: "E")); Wire.append(UInt32(2), to: &bytes)
        let full = Wire.decodeOutputs(bytes, expectedCases: 2)
        XCTAssertTrue(full.complete)
        XCTAssertNil(full.problem)
        XCTAssertEqual(full.results, [Numbers(shape: [1, 2], values: [1.5, -2]), Numbers(shape: [1, 2], values: [1.5, -2])])
        XCTAssertFalse(Wire.decodeOutputs(bytes, expectedCases: 3).complete)
        for length in 0..<bytes.count {
            XCTAssertFalse(Wire.decodeOutputs(Array(bytes[0..<length]), expectedCases: 2).complete, "prefix \(length)")
        }
        var generator = CaseGenerator(seed: 1)
        for _ in 0..<2000 {
            let garbage = (0..<generator.int(0...64)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            XCTAssertFalse(Wire.decodeOutputs(garbage, expectedCases: 1).complete)
            XCTAssertFalse(Wire.decodeOutputs(Array(bytes[0..<8]) + garbage, expectedCases: 2).complete)
        }
        // Extra bytes after the end record are garbage too.
        XCTAssertNotNil(Wire.decodeOutputs(bytes + [UInt8(ascii: "B")], expectedCases: 2).problem)
    }
}

extension CodeGraderTests {
    func testCourseRubricValidates() throws {
        let rubric = try CodeSupport.rubric()
        XCTAssertEqual(rubric.kind, .code)
        XCTAssertEqual(rubric.files, ["Conv2D.swift"])
        XCTAssertNoThrow(try CodeGrader.validate(rubric, secret: CodeSupport.secret))
        XCTAssertTrue(rubric.checks.contains { $0.visibility == .hidden })
        var broken = rubric
        broken.checks[0].cases = "nonsense"
        XCTAssertThrowsError(try CodeGrader.validate(broken))
        broken = rubric
        broken.checks[0].function = "conv3d"
        XCTAssertThrowsError(try CodeGrader.validate(broken))
    }

    /// The build products are found next to the test bundle, or where
    /// CAPAS_EXERCISE_MODULES points; a wrong override is a clear grader error.
    func testToolchainLocation() throws {
        let found = try Toolchain.locate()
        XCTAssertTrue(found.modules.hasSuffix("/Modules"))
        XCTAssertTrue(found.objects.contains { $0.hasSuffix("CSandbox.c.o") })
        XCTAssertTrue(found.objects.contains { $0.contains("CapasExercise.build/") })
        XCTAssertNotNil(found.symbolizer)
        setenv("CAPAS_EXERCISE_MODULES", found.modules, 1)
        defer { unsetenv("CAPAS_EXERCISE_MODULES") }
        XCTAssertEqual(try Toolchain.locate().modules, found.modules)
        setenv("CAPAS_EXERCISE_MODULES", "/nonexistent/Modules", 1)
        XCTAssertThrowsError(try Toolchain.locate()) { error in
            XCTAssertTrue((error as? GraderError)?.message.en.contains("CAPAS_EXERCISE_MODULES") ?? false)
        }
    }

    /// What a failing visible check's code printed is shown (capped); it never changes the verdict.
    func testPrintedOutputIsShownButNeverTrusted() throws {
        let report = try CodeSupport.grade(CodeSupport.submissions.appendingPathComponent("fake_results_stdout"),
                                           rubric: try CodeSupport.rubric())
        let worked = try XCTUnwrap(report.check("worked"))
        XCTAssertEqual(worked.status, .failed)
        XCTAssertTrue(worked.feedback.en.contains("What your code printed"), worked.feedback.en)
        XCTAssertLessThan(worked.feedback.en.utf8.count, 4096)
        XCTAssertFalse(try XCTUnwrap(report.check("hidden_random")).feedback.en.contains("printed"))
    }
}

extension CodeGraderTests {
    /// A learner may import Foundation (and use sqrt, String(format:)…): it links and runs in the sandbox.
    func testLearnerMayImportFoundation() throws {
        let source = try String(contentsOf: CodeSupport.solution.appendingPathComponent("Conv2D.swift"), encoding: .utf8)
            .replacingOccurrences(of: "import CapasExercise", with: "import CapasExercise\nimport Foundation")
            .replacingOccurrences(of: "var output = Tensor(", with: "_ = String(format: \"%.2f\", sqrt(2.0))\n    var output = Tensor(")
        let folder = try CodeSupport.workFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try source.write(to: folder.appendingPathComponent("Conv2D.swift"), atomically: true, encoding: .utf8)
        let rubric = try CodeSupport.rubric()
        let report = try CodeSupport.grade(folder, rubric: rubric)
        XCTAssertEqual(report.points, rubric.maxPoints, report.summary)
    }
}

extension CodeGraderTests {
    /// A gradebook row says compile_error for a submission that does not
    /// compile, and invalid for one without the file.
    func testGradebookStatusOfCodeSubmissions() throws {
        let rubric = try CodeSupport.rubric()
        let broken = try CodeSupport.grade(CodeSupport.submissions.appendingPathComponent("compile_error"), rubric: rubric)
        XCTAssertEqual(GradeReport(submission: "s", learner: nil, mode: "grade", exercises: [broken], seconds: 0).status, "compile_error")
        let empty = try CodeSupport.workFolder()
        defer { try? FileManager.default.removeItem(at: empty) }
        let missing = try CodeSupport.grade(empty, rubric: rubric)
        XCTAssertEqual(GradeReport(submission: "s", learner: nil, mode: "grade", exercises: [missing], seconds: 0).status, "invalid")
        let correct = try CodeSupport.grade(CodeSupport.submissions.appendingPathComponent("correct"), rubric: rubric)
        XCTAssertEqual(GradeReport(submission: "s", learner: nil, mode: "grade", exercises: [correct], seconds: 0).status, "ok")
    }
}

extension CodeGraderTests {
    /// A file without the optional part (conv2dGroups) still gets every
    /// point of the required part; the optional checks are not gradable.
    func testAMissingOptionalFunctionDoesNotSinkTheRest() throws {
        let rubric = try Rubric.load(CodeSupport.rubricURL)
        XCTAssertTrue(rubric.checks.contains { $0.function == "conv2d_groups" })
        let report = try CodeSupport.grade(CodeSupport.submissions.appendingPathComponent("correct"), rubric: rubric)
        XCTAssertEqual(report.points, rubric.maxPoints, report.summary)
        for check in report.checks {
            if rubric.checks.first(where: { $0.id == check.id })?.function == "conv2d_groups" {
                XCTAssertEqual(check.status, .notGradable)
                XCTAssertTrue(check.feedback.en.contains("conv2dGroups"), check.feedback.en)
            } else {
                XCTAssertEqual(check.status, .passed, check.feedback.en)
            }
        }
        // A broken required function is still a compile error for everything.
        let broken = try CodeSupport.grade(CodeSupport.submissions.appendingPathComponent("compile_error"), rubric: rubric)
        XCTAssertTrue(broken.checks.allSatisfy { $0.status == .notGradable && $0.tags.contains("compile") })
    }
}
