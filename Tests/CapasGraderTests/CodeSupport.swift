@testable import CapasGrader
import CapasMessages
import Foundation
import XCTest

/// Paths and helpers shared by the code-check tests.
enum CodeSupport {
    static let repository: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let rubricURL = repository.appendingPathComponent("grading/05-conv2d/rubric.json")
    static let solution = repository.appendingPathComponent("solutions/05-conv2d")
    static let submissions = repository.appendingPathComponent("Tests/GraderSubmissions/conv2d")

    /// The conv2d rubric without its optional part (grouped convolution):
    /// the hostile and wrong submissions only write `conv2d`.
    static func rubric() throws -> Rubric {
        var rubric = try Rubric.load(rubricURL)
        rubric.checks.removeAll { $0.function == "conv2d_groups" }
        return rubric
    }

    /// A scratch folder, removed by the caller.
    static func workFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("capas-code-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static let secret: [UInt8] = Array("course secret for the tests".utf8)

    /// Where the builds (and their runs) of `grade` go: work folders live in /tmp, so beside the products.
    static var runsRoot: String {
        guard let toolchain = try? Toolchain.shared.get() else { return "" }
        return SubmissionBuild.runsRoot(workFolder: URL(fileURLWithPath: NSTemporaryDirectory()), toolchain: toolchain)
    }

    static func context(_ mode: GradingContext.Mode = .grade, work: URL) -> GradingContext {
        GradingContext(mode: mode, language: .en, learner: "learner-1", secret: secret, workFolder: work)
    }

    /// Grades `folder` with `rubric`, cleaning up the work folder.
    static func grade(_ folder: URL, rubric: Rubric, mode: GradingContext.Mode = .grade,
                      options: CodeGrader.Options = CodeGrader.Options()) throws -> ExerciseReport {
        let work = try workFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        return CodeGrader.grade(rubric: rubric, exerciseFolder: folder, context: context(mode, work: work), options: options)
    }

    /// Copies a solution file with every solution region replaced the way
    /// `capas assign` does: the lines from `// BEGIN SOLUTION` to
    /// `// END SOLUTION`, inclusive, become one `notImplemented("<function>")`
    /// line at the marker's indentation.
    static func stripSolutions(_ source: String, function: String) -> String {
        var output: [String] = []
        var inside = false
        for line in source.components(separatedBy: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed == "// BEGIN SOLUTION" {
                inside = true
                let indentation = String(line.prefix { $0 == " " })
                output.append(indentation + "notImplemented(\"\(function)\")")
            } else if trimmed == "// END SOLUTION" {
                inside = false
            } else if !inside {
                output.append(line)
            }
        }
        return output.joined(separator: "\n")
    }
}

extension ExerciseReport {
    func check(_ id: String) -> CheckResult? { checks.first { $0.id == id } }
    var summary: String {
        checks.map { "\($0.id): \($0.status.rawValue) \($0.points)/\($0.maxPoints) \($0.mistake ?? "") \($0.file ?? ""):\($0.line ?? 0) — \($0.feedback.en.prefix(300))" }
            .joined(separator: "\n")
    }
}
